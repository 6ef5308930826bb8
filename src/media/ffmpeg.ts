// ffmpeg and ffprobe: finding the binaries (configured path, PATH, or the npm packages), running
// them with bounded output and a deadline, their capabilities, and the input guards every call uses.
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { MediaError, errnoCode, trimReason } from './media-error.js';

// ---------------------------------------------------------------------------------------------
// Locating ffmpeg / ffprobe
// ---------------------------------------------------------------------------------------------

export type FfmpegSource = 'env' | 'path' | 'npm';

export interface FfmpegBins {
  ffmpeg: string;
  ffprobe: string;
  /** Where ffmpeg came from: 'env' = the explicitly configured path, 'path' = found on PATH, 'npm' = the @ffmpeg-installer binary. */
  source: FfmpegSource;
  /** Where each binary came from (they are resolved independently). */
  sources: { ffmpeg: FfmpegSource; ffprobe: FfmpegSource };
}

export interface ResolveFfmpegOptions {
  /** Explicitly configured ffmpeg (absolute path, or a bare name looked up on envPath). Wins when set. */
  ffmpegPath?: string;
  /** Explicitly configured ffprobe. */
  ffprobePath?: string;
  /**
   * The PATH to search (the caller passes process.env.PATH; this module reads no environment).
   * When undefined the PATH step is skipped.
   */
  envPath?: string;
}

const isWindows = process.platform === 'win32';

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchPath(name: string, envPath: string | undefined): string | undefined {
  if (!envPath) return undefined;
  const names = isWindows && !name.toLowerCase().endsWith('.exe') ? [`${name}.exe`, name] : [name];
  for (const dir of envPath.split(path.delimiter)) {
    // An empty entry means "the current directory" to a shell; never search it.
    if (!dir || !path.isAbsolute(dir)) continue;
    for (const n of names) {
      const candidate = path.join(dir, n);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function npmBinary(pkg: '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe'): string | undefined {
  try {
    // Loaded lazily: these packages throw at import time on platforms they do not ship.
    const require = createRequire(import.meta.url);
    const p = (require(pkg) as { path?: unknown }).path;
    return typeof p === 'string' && isExecutableFile(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

function resolveOne(
  tool: 'ffmpeg' | 'ffprobe',
  explicit: string | undefined,
  envPath: string | undefined,
): { bin: string; source: FfmpegSource } {
  if (explicit !== undefined && explicit !== '') {
    const hasDir = explicit.includes('/') || (isWindows && explicit.includes('\\'));
    const found = hasDir ? (isExecutableFile(explicit) ? path.resolve(explicit) : undefined) : searchPath(explicit, envPath);
    if (!found) {
      throw new MediaError('FFMPEG_UNAVAILABLE', `the configured ${tool} (${explicit}) is not an executable file`);
    }
    return { bin: found, source: 'env' };
  }
  const onPath = searchPath(tool, envPath);
  if (onPath) return { bin: onPath, source: 'path' };
  const npm = npmBinary(tool === 'ffmpeg' ? '@ffmpeg-installer/ffmpeg' : '@ffprobe-installer/ffprobe');
  if (npm) return { bin: npm, source: 'npm' };
  throw new MediaError(
    'FFMPEG_UNAVAILABLE',
    `${tool} was not found: configure its path, install it on PATH, or install @${tool}-installer/${tool}`,
  );
}

/**
 * Find ffmpeg and ffprobe: the explicit path first, then PATH, then the binaries shipped by
 * @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe. Each tool is resolved on its own.
 */
export function resolveFfmpeg(opts: ResolveFfmpegOptions = {}): FfmpegBins {
  const ffmpeg = resolveOne('ffmpeg', opts.ffmpegPath, opts.envPath);
  const ffprobe = resolveOne('ffprobe', opts.ffprobePath, opts.envPath);
  return {
    ffmpeg: ffmpeg.bin,
    ffprobe: ffprobe.bin,
    source: ffmpeg.source,
    sources: { ffmpeg: ffmpeg.source, ffprobe: ffprobe.source },
  };
}

const ORIGIN: Record<'ffmpeg' | 'ffprobe', Record<FfmpegSource, string>> = {
  ffmpeg: { env: 'FFMPEG_PATH', path: 'PATH', npm: 'the npm package @ffmpeg-installer/ffmpeg' },
  ffprobe: { env: 'FFPROBE_PATH', path: 'PATH', npm: 'the npm package @ffprobe-installer/ffprobe' },
};

/** Which binaries were chosen and why, as one log line says it. */
export function describeFfmpeg(bins: FfmpegBins): { fields: Record<string, string>; message: string } {
  const from = { ffmpeg: ORIGIN.ffmpeg[bins.sources.ffmpeg], ffprobe: ORIGIN.ffprobe[bins.sources.ffprobe] };
  return {
    fields: { ffmpeg: bins.ffmpeg, ffmpegFrom: from.ffmpeg, ffprobe: bins.ffprobe, ffprobeFrom: from.ffprobe },
    message: `ffmpeg: ${bins.ffmpeg} (from ${from.ffmpeg}); ffprobe: ${bins.ffprobe} (from ${from.ffprobe})`,
  };
}

/**
 * The process's ffmpeg and ffprobe, resolved once: at boot (startApp calls resolve() and logs the
 * choice), or on first use where nothing booted (tests of parts). A failed resolution is not
 * kept: the next use tries again (a binary installed meanwhile is found).
 */
export class FfmpegLocator {
  private bins?: FfmpegBins;

  constructor(private readonly opts: ResolveFfmpegOptions) {}

  /** The binaries; FFMPEG_UNAVAILABLE (a MediaError) when one cannot be found. */
  get(): FfmpegBins {
    this.bins ??= resolveFfmpeg(this.opts);
    return this.bins;
  }

  /** Whether resolution already happened (and succeeded). */
  get resolved(): boolean {
    return this.bins !== undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Running a tool
// ---------------------------------------------------------------------------------------------

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The last maxStderrBytes of stderr. */
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  maxStdoutBytes?: number;
  maxStderrBytes?: number;
}

/**
 * Run a binary with an argument array (no shell), a timeout (SIGKILL) and bounded capture.
 * Rejects with FFMPEG_UNAVAILABLE when the binary cannot be started; a non-zero exit is
 * reported in the result, not thrown.
 */
export function runTool(bin: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxStdout = opts.maxStdoutBytes ?? 8 * 1024 * 1024;
  const maxStderr = opts.maxStderrBytes ?? 16 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    let outLen = 0;
    let overflow = false;
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (overflow) return;
      outLen += chunk.length;
      if (outLen > maxStdout) {
        overflow = true;
        child.kill('SIGKILL');
        return;
      }
      out.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      err += chunk;
      if (err.length > maxStderr * 2) err = err.slice(-maxStderr);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOEXEC') {
        reject(new MediaError('FFMPEG_UNAVAILABLE', `cannot run ${path.basename(bin)}: ${code}`, { cause: e }));
      } else {
        reject(e);
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (overflow) {
        reject(new MediaError('CORRUPT_MEDIA', `${path.basename(bin)} produced more than ${maxStdout} bytes of output`));
        return;
      }
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err.slice(-maxStderr), timedOut });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// ffmpeg capabilities (flags differ between the 2018 npm build and a modern ffmpeg)
// ---------------------------------------------------------------------------------------------

export interface FfmpegCapabilities {
  /** First line of `ffmpeg -version`. */
  version: string;
  /** `-fps_mode` exists (ffmpeg >= 5.1); otherwise use `-vsync 0`. */
  fpsMode: boolean;
  /** Names of the video encoders, e.g. libx264, libvpx-vp9, mpeg4. */
  encoders: Set<string>;
}

const capabilityCache = new Map<string, Promise<FfmpegCapabilities>>();

export function ffmpegCapabilities(ffmpeg: string): Promise<FfmpegCapabilities> {
  let p = capabilityCache.get(ffmpeg);
  if (!p) {
    p = (async () => {
      const [version, help, encoders] = await Promise.all([
        runTool(ffmpeg, ['-hide_banner', '-version'], { timeoutMs: 15_000 }),
        runTool(ffmpeg, ['-hide_banner', '-h', 'long'], { timeoutMs: 15_000 }),
        runTool(ffmpeg, ['-hide_banner', '-encoders'], { timeoutMs: 15_000 }),
      ]);
      if (version.code !== 0) {
        throw new MediaError('FFMPEG_UNAVAILABLE', `${path.basename(ffmpeg)} -version failed: ${trimReason(version.stderr)}`);
      }
      const names = new Set<string>();
      for (const line of encoders.stdout.toString('utf8').split('\n')) {
        const m = /^\s*V[.A-Z]{5}\s+(\S+)/.exec(line);
        if (m) names.add(m[1]!);
      }
      return {
        version: version.stdout.toString('utf8').split('\n')[0]!.trim(),
        fpsMode: /^-fps_mode\b/m.test(help.stdout.toString('utf8')),
        encoders: names,
      };
    })();
    capabilityCache.set(ffmpeg, p);
    p.catch(() => capabilityCache.delete(ffmpeg));
  }
  return p;
}

/** Output options that emit every decoded frame once, in order (no duplication or dropping). */
export function passthroughArgs(caps: FfmpegCapabilities): string[] {
  return caps.fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', '0'];
}

/** The only demuxers ever allowed to parse an uploaded video. */
export const VIDEO_DEMUXERS = 'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm';

/** Input options that restrict ffmpeg/ffprobe to local files and the allowed demuxers. */
export const INPUT_GUARD_ARGS: readonly string[] = ['-protocol_whitelist', 'file', '-format_whitelist', VIDEO_DEMUXERS];

/** The input as a file: URL, so that a name with ':' or a leading '-' is never misread. */
export function fileInput(filePath: string): string {
  return `file:${path.resolve(filePath)}`;
}
