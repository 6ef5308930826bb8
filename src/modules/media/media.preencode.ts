// Background encoding of stored images (PREENCODE_IMAGES): each image stored is encoded for the
// default model at the device's lowest priority, so that its first click finds its embedding in
// the cache. Bounded: past MAX_PENDING images waiting, a new one is dropped, not queued (its first
// click then encodes, as without this). Failures are logged; an upload never waits for this.
import type { Logger } from 'pino';
import type { Engine, ImageSource } from '../../engine/index.js';

export const PREENCODE_MAX_PENDING = 16;

export class MediaPreencoder {
  private readonly pending = new Set<Promise<void>>();
  private closed = false;
  /** Images encoded, skipped (cached already), dropped (too many waiting) and failed: for tests and logs. */
  readonly counts = { encoded: 0, skipped: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly engine: Pick<Engine, 'preencode'>,
    private readonly model: string,
    private readonly log: Pick<Logger, 'debug' | 'warn'>,
    private readonly maxPending = PREENCODE_MAX_PENDING,
  ) {}

  /** Queues the image's encoding; returns at once. */
  offer(mediaId: string, image: ImageSource): void {
    if (this.closed) return;
    if (this.pending.size >= this.maxPending) {
      this.counts.dropped++;
      this.log.debug({ mediaId, pending: this.pending.size }, 'background encoding dropped: too many waiting');
      return;
    }
    const run: Promise<void> = this.engine
      .preencode(this.model, image, () => this.closed)
      .then(
        (encoded) => void this.counts[encoded ? 'encoded' : 'skipped']++,
        (err: Error) => {
          this.counts.failed++;
          this.log.warn({ mediaId, model: this.model, err: err.message }, 'background encoding failed');
        },
      )
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  /** Images waiting or being encoded. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Takes no more and drops what waits; waits for an encoding under way (the engine goes after this). */
  async dispose(): Promise<void> {
    this.closed = true;
    await Promise.all(this.pending);
  }
}
