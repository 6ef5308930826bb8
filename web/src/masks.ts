// Masks on a canvas: COCO RLE decoded in the browser (the server's own pure decoder, shared),
// one colour per object.
import { decodeRle } from '../../src/engine/masks/coco-rle.js';

export interface Rle {
  size: number[];
  counts: string;
}

export interface Overlay {
  /** Colour key: object id / index. */
  key: number;
  rle: Rle;
  label: string;
}

// Distinct, saturated colours that stand out from most pictures.
const PALETTE: [number, number, number][] = [
  [255, 40, 120],
  [20, 200, 255],
  [255, 190, 0],
  [120, 255, 60],
  [180, 80, 255],
  [255, 110, 30],
  [0, 255, 200],
  [255, 255, 255],
];

export function colour(key: number): [number, number, number] {
  return PALETTE[(((key - 1) % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

export function css(key: number): string {
  return `rgb(${colour(key).join(',')})`;
}

/** Paints each mask over what the context holds (scaled to the canvas), half transparent, with its outline solid. */
export function paintMasks(ctx: CanvasRenderingContext2D, overlays: Overlay[]): void {
  const { width: cw, height: ch } = ctx.canvas;
  for (const o of overlays) {
    const mask = decodeRle({ size: o.rle.size, counts: o.rle.counts });
    const layer = new ImageData(mask.width, mask.height);
    const [r, g, b] = colour(o.key);
    const { data, width: w, height: hgt } = mask;
    for (let i = 0; i < data.length; i++) {
      if (!data[i]) continue;
      const x = i % w;
      const y = (i - x) / w;
      const edge = x === 0 || y === 0 || x === w - 1 || y === hgt - 1 || !data[i - 1] || !data[i + 1] || !data[i - w] || !data[i + w];
      layer.data.set([r, g, b, edge ? 255 : 150], i * 4);
    }
    const off = new OffscreenCanvas(mask.width, mask.height);
    off.getContext('2d')!.putImageData(layer, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, cw, ch);
  }
}
