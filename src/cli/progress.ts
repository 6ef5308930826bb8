// Progress bars on stderr (stdout stays for results): cli-progress, one line a second when
// stderr is not a terminal (logs, CI), a redrawn bar when it is.
import { SingleBar } from 'cli-progress';

export function progressBar(label: string, unit = ''): SingleBar {
  return new SingleBar({
    format: `${label.padEnd(12)} [{bar}] {percentage}% | {value}/{total}${unit} | ETA {eta_formatted}`,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 1000,
    hideCursor: true,
    clearOnComplete: false,
    barsize: 30,
  });
}
