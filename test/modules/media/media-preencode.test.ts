// The background encoder's bounds, with the engine's preencode stood in for: at most
// PREENCODE_MAX_PENDING images wait (more are dropped, not queued), a failure is logged and never
// thrown, and dispose drops what still waits for the device.
import { describe, expect, it, vi } from 'vitest';
import type { ImageSource } from '../../../src/engine/index.js';
import { MediaPreencoder, PREENCODE_MAX_PENDING } from '../../../src/modules/media/media.preencode.js';

const image = (key: string): ImageSource => ({ key, width: 1, height: 1, pixels: async () => ({ kind: 'encoded', bytes: Buffer.alloc(0) }) });

/** preencode calls held until released; `dropped` is what the engine asks once the device is free. */
function heldEngine() {
  const calls: { key: string; release: (encoded: boolean | Error) => void; dropped: () => boolean }[] = [];
  const engine = {
    preencode: (_model: string, img: ImageSource, dropped: () => boolean = () => false) =>
      new Promise<boolean>((resolve, reject) => calls.push({ key: img.key, dropped, release: (r) => (r instanceof Error ? reject(r) : resolve(r)) })),
  };
  return { engine, calls };
}

const log = () => ({ debug: vi.fn(), warn: vi.fn() });

describe('background encoding of stored images', () => {
  it(`keeps at most ${PREENCODE_MAX_PENDING} images waiting and drops the others`, async () => {
    const { engine, calls } = heldEngine();
    const p = new MediaPreencoder(engine, 'demo', log());
    for (let i = 0; i < PREENCODE_MAX_PENDING + 4; i++) p.offer(`m${i}`, image(`k${i}`));
    expect(calls.length).toBe(PREENCODE_MAX_PENDING);
    expect(p.counts.dropped).toBe(4);
    calls.forEach((c, i) => c.release(i % 2 === 0));
    await vi.waitFor(() => expect(p.waiting).toBe(0));
    expect(p.counts).toEqual({ encoded: PREENCODE_MAX_PENDING / 2, skipped: PREENCODE_MAX_PENDING / 2, dropped: 4, failed: 0 });
    // Room again: the next image is taken.
    p.offer('late', image('late'));
    expect(calls.at(-1)!.key).toBe('late');
  });

  it('logs a failed encoding and throws nothing', async () => {
    const { engine, calls } = heldEngine();
    const l = log();
    const p = new MediaPreencoder(engine, 'demo', l);
    p.offer('m', image('k'));
    calls[0]!.release(new Error('model broke'));
    await vi.waitFor(() => expect(p.counts.failed).toBe(1));
    expect(l.warn).toHaveBeenCalledWith(expect.objectContaining({ mediaId: 'm', model: 'demo', err: 'model broke' }), 'background encoding failed');
  });

  it('dispose takes nothing more, tells waiting work to drop, and waits for it', async () => {
    const { engine, calls } = heldEngine();
    const p = new MediaPreencoder(engine, 'demo', log());
    p.offer('m', image('k'));
    expect(calls[0]!.dropped()).toBe(false);
    let disposed = false;
    const d = p.dispose().then(() => (disposed = true));
    expect(calls[0]!.dropped()).toBe(true);
    p.offer('n', image('n'));
    expect(calls.length).toBe(1);
    await Promise.resolve();
    expect(disposed).toBe(false);
    calls[0]!.release(false);
    await d;
  });
});
