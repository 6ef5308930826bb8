// Mask rows and their mapping: a tracker's frame -> topic payload -> FrameMask rows -> the
// GraphQL frames and topic frames again, with real RLE from drawn masks; absent objects stored as
// empty masks and read back as null.
import { describe, expect, it } from 'vitest';
import { decodeRle, encodeRle, rleArea, rleToBbox, type FrameResult } from '../../../src/engine/index.js';
import { frameToRows, maskColumns, rowsToFrames, rowsToPayloads, rowToMask, toFrameMasks, toFramePayload } from '../../../src/modules/mask/mask.mapper.js';
import { drawPicture, type Shape } from '../../support/draw.js';

const W = 48;
const H = 32;
const shapes: Shape[] = [
  { kind: 'disc', color: [200, 30, 30], x: 12, y: 14, r: 7 },
  { kind: 'rect', color: [30, 30, 200], x: 28, y: 6, w: 14, h: 20 },
];
const picture = drawPicture(W, H, shapes);

function encodeRleWithStats(mask: { width: number; height: number; data: Uint8Array }) {
  const rle = encodeRle(mask);
  return { rle, bbox: rleToBbox(rle), area: rleArea(rle) };
}

/** A tracker's result on one frame: objects 1 and 2 from the drawn shapes, object 3 absent. */
function trackerFrame(frameIndex: number): FrameResult {
  const objects = picture.masks.map((data, k) => {
    const { rle, bbox, area } = encodeRleWithStats({ width: W, height: H, data });
    return { objectId: k + 1, mask: { rle, bbox, area, score: 0.9 - k / 10, lowRes: new Float32Array(4) } };
  });
  return { frameIndex, objects: [...objects, { objectId: 3, mask: null }] };
}

describe('mask mapping', () => {
  it('a tracker frame becomes plain JSON (no typed arrays) that survives JSON', () => {
    const payload = toFramePayload(trackerFrame(4));
    expect(JSON.parse(JSON.stringify(payload))).toEqual(payload);
    expect(payload.objects.map((o) => o.objectId)).toEqual([1, 2, 3]);
    expect(payload.objects[2].mask).toBeNull();
    expect(Object.keys(payload.objects[0].mask!)).toEqual(['rle', 'bbox', 'area', 'score']);
  });

  it('rows round-trip: payload -> rows -> frames and payloads, pixels intact', () => {
    const payload = toFramePayload(trackerFrame(4));
    const rows = frameToRows('s1', 'j1', payload, W, H);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.sessionId === 's1' && r.jobId === 'j1' && r.frameIndex === 4 && r.width === W && r.height === H)).toBe(true);
    // The absent object is an empty mask on disk: all background, area 0.
    const absent = rows.find((r) => r.objectId === 3)!;
    expect(absent.area).toBe(0);
    expect(decodeRle({ size: [H, W], counts: absent.counts }).data.every((v) => v === 0)).toBe(true);

    const [frame] = rowsToFrames(rows);
    expect(frame).toEqual(toFrameMasks(payload));
    for (const k of [0, 1]) {
      const m = frame.objects[k].mask!;
      expect(m.area).toBe(picture.masks[k].reduce((a, b) => a + b, 0));
      // Row-major drawn mask == the RLE read back from the row.
      expect(Array.from(decodeRle({ size: m.rle.size as [number, number], counts: m.rle.counts }).data)).toEqual(Array.from(picture.masks[k]));
    }
    expect(frame.objects[2].mask).toBeNull();
    expect(rowsToPayloads(rows).get(4)).toEqual(payload);
  });

  it('frames list every object asked for (null where no row), frames and objects ascending', () => {
    const rows = [...frameToRows('s', null, toFramePayload(trackerFrame(7)), W, H), ...frameToRows('s', null, toFramePayload(trackerFrame(2)), W, H)]
      .filter((r) => !(r.frameIndex === 2 && r.objectId === 2))
      .reverse();
    const frames = rowsToFrames(rows, [1, 2, 3, 5]);
    expect(frames.map((f) => f.frameIndex)).toEqual([2, 7]);
    for (const f of frames) expect(f.objects.map((o) => o.objectId)).toEqual([1, 2, 3, 5]);
    expect(frames[0].objects[1].mask).toBeNull();
    expect(frames[0].objects[3].mask).toBeNull();
    expect(frames[1].objects[1].mask).not.toBeNull();
    expect([...rowsToPayloads(rows).keys()].sort()).toEqual([2, 7]);
    expect(rowsToPayloads(rows).get(2)!.objects.map((o) => o.objectId)).toEqual([1, 3]);
  });

  it('a stored batch mask (MediaMask columns) reads back as the mask it was', () => {
    const { rle, bbox, area } = encodeRleWithStats({ width: W, height: H, data: picture.masks[1] });
    const cols = maskColumns({ rle: { size: [H, W], counts: rle.counts }, bbox, area, score: 0.75 }, W, H);
    expect(cols).toMatchObject({ height: H, width: W, bboxX: 28, bboxY: 6, bboxW: 14, bboxH: 20, area: 14 * 20, score: 0.75 });
    expect(rowToMask(cols)).toEqual({ rle: { size: [H, W], counts: rle.counts }, bbox: [28, 6, 14, 20], area: 280, score: 0.75, polygons: null });
  });
});
