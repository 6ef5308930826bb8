// The worker protocol's tensor packing: what is moved, what is copied, what is named by id.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { KeptIds, isRef, packFeeds, toWire } from '../../../src/engine/worker/wire.js';

const tensor = (n: number) => new ort.Tensor('float32', new Float32Array(n).fill(1), [n]);

describe('worker wire: tensors', () => {
  it('moves only the feeds the caller gives up, and only whole buffers', () => {
    const given = tensor(4);
    const kept = tensor(4);
    const view = new ort.Tensor('float32', new Float32Array(8).subarray(2, 6), [4]);
    const { feeds, transfer } = packFeeds({ given, kept, view }, { transfer: ['given', 'view'] }, new KeptIds());
    expect(transfer).toEqual([given.data.buffer]);
    for (const f of Object.values(feeds)) expect(isRef(f)).toBe(false);
    // A part of a larger buffer is copied: moving it would take the rest of the buffer along.
    expect(transfer).not.toContain((view.data as Float32Array).buffer);
  });

  it('names tensors the worker keeps by id, and sends them as data with their id when asked to resend', () => {
    const ids = new KeptIds();
    const emb = tensor(16);
    ids.register(emb.data, 7);
    const points = tensor(2);
    const first = packFeeds({ emb, points }, { transfer: ['emb', 'points'] }, ids);
    expect(first.feeds.emb).toEqual({ keptId: 7 });
    // A kept tensor is never moved, even when listed: the main thread still owns its copy.
    expect(first.transfer).toEqual([points.data.buffer]);
    const again = packFeeds({ emb, points: tensor(2) }, {}, ids, true);
    expect(again.feeds.emb).toMatchObject({ keptId: 7, type: 'float32', dims: [16] });
    expect(again.transfer).toEqual([]);
  });

  it('a view of part of a kept buffer is not the kept tensor', () => {
    const ids = new KeptIds();
    const emb = tensor(16);
    ids.register(emb.data, 3);
    expect(ids.of((emb.data as Float32Array).subarray(0, 8))).toBeUndefined();
    expect(ids.of(emb.data)).toBe(3);
  });

  it('moved buffers really cross without a copy, and copied ones stay usable', async () => {
    const { port1, port2 } = new MessageChannel();
    const moved = tensor(1024);
    const copied = tensor(1024);
    const transfer: ArrayBuffer[] = [];
    const msg = { a: toWire(moved, true, transfer), b: toWire(copied, false, transfer) };
    const got = new Promise<typeof msg>((r) => port2.once('message', r));
    port1.postMessage(msg, transfer);
    const recv = await got;
    port1.close();
    expect((moved.data as Float32Array).byteLength).toBe(0); // detached here
    expect((copied.data as Float32Array)[0]).toBe(1);
    expect((recv.a.data as Float32Array).length).toBe(1024);
    expect((recv.b.data as Float32Array)[1023]).toBe(1);
  });
});
