// Pictures of flat-coloured shapes, drawn pixel by pixel so the ground truth is exact.
import sharp from 'sharp';

export type Rgb = [number, number, number];

export interface Shape {
  kind: 'rect' | 'disc';
  color: Rgb;
  /** rect: x, y, w, h; disc: cx, cy, r (pixel centres inside are foreground). */
  x: number;
  y: number;
  w?: number;
  h?: number;
  r?: number;
}

export interface Picture {
  width: number;
  height: number;
  rgb: Buffer;
  /** One ground-truth mask per shape (row-major 0/1), after later shapes overdraw earlier ones. */
  masks: Uint8Array[];
}

export function inside(s: Shape, px: number, py: number): boolean {
  const x = px + 0.5;
  const y = py + 0.5;
  if (s.kind === 'rect') return x >= s.x && x < s.x + s.w! && y >= s.y && y < s.y + s.h!;
  return (x - s.x) ** 2 + (y - s.y) ** 2 <= s.r! ** 2;
}

export function drawPicture(width: number, height: number, shapes: Shape[], background: Rgb = [235, 235, 225]): Picture {
  const rgb = Buffer.alloc(width * height * 3);
  const owner = new Int16Array(width * height).fill(-1);
  for (let i = 0; i < width * height; i++) rgb.set(background, i * 3);
  shapes.forEach((s, k) => {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (!inside(s, x, y)) continue;
        rgb.set(s.color, (y * width + x) * 3);
        owner[y * width + x] = k;
      }
    }
  });
  const masks = shapes.map((_, k) => Uint8Array.from(owner, (o) => (o === k ? 1 : 0)));
  return { width, height, rgb, masks };
}

export function toPng(p: Picture): Promise<Buffer> {
  return sharp(p.rgb, { raw: { width: p.width, height: p.height, channels: 3 } }).png().toBuffer();
}

export function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 1 : inter / union;
}
