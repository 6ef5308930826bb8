#!/usr/bin/env node
// maskql, the command line: segment images, track videos, follow jobs (against a running
// server), and manage API keys (in its database).
import { CliError } from './client.js';
import { jobs } from './jobs.js';
import { segment } from './segment.js';
import { track } from './track.js';
import { COMMON_HELP } from './options.js';

const HELP = `maskql — promptable segmentation from the command line

Usage: maskql COMMAND [options]       (maskql COMMAND --help for its options)

Commands:
  segment IMAGE...   segment images by points, boxes and phrases -> COCO JSON
  track VIDEO        track objects clicked on a video's frames -> per-frame masks JSON
                     (and --masked-video FILE: the video with its masks applied)
  jobs               list, follow (progress bar) or cancel jobs
  keys               create, list or revoke API keys (in the server's database)

${COMMON_HELP}

Examples:
  maskql segment shapes.png --point 0.3,0.4 --phrase red --out shapes.coco.json
  maskql track clip.mp4 --click 0:0.45,0.5 --direction both --out clip.masks.json
  maskql track clip.mp4 --click 0:0.45,0.5 --masked-video clip.masked.mp4
  maskql jobs follow 0b9c…
  MASKQL_KEY=mqk_… maskql jobs list`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  segment,
  track,
  jobs,
  // The keys command opens the database: loaded only when asked for.
  keys: async (args) => (await import('./keys.js')).keys(args),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`maskql: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`maskql: ${err.message}`);
    process.exit(err instanceof CliError && err.code === 'USAGE' ? 2 : 1);
  },
);
