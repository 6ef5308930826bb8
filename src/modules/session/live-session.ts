// A session's in-memory state: its tracker and its video's frame store. Disposable.
import type { FrameSource, Tracker } from '../../engine/index.js';
import { badInput } from '../../errors/app-errors.js';
import type { FrameStore } from '../../media/video-frames.js';

export class LiveSession {
  lastActivity = Date.now();
  /** The propagation running on it: written only by PropagationService (claim and release). */
  activeJobId: string | null = null;
  /** The propagation's loop runs in this process (in a fleet, the job may run on another). */
  propagatingHere = false;
  /** Serialises prompt edits on this session. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly modelName: string,
    readonly tracker: Tracker,
    readonly video: FrameSource,
    private readonly frames: FrameStore | null,
    /** The principal that opened the session (per-key cap), null when not capped. */
    readonly ownerId: string | null = null,
  ) {}

  get totalFrames(): number {
    return this.video.frameCount;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  /** BAD_USER_INPUT naming `field` unless frameIndex is a frame of the video. */
  checkFrame(frameIndex: number, field: string): void {
    if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= this.totalFrames) {
      throw badInput(`${field} ${frameIndex} is outside the video (0..${this.totalFrames - 1})`, { field });
    }
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  memoryBytes(): number {
    return this.tracker.memoryBytes();
  }

  async dispose(): Promise<number> {
    const freed = this.memoryBytes();
    this.tracker.dispose();
    await this.frames?.dispose();
    return freed;
  }
}
