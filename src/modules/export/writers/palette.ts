// The PASCAL VOC / DAVIS colour map: index 0 black, 1 (128,0,0), 2 (0,128,0), 3 (128,128,0), ...
// Object n gets colour n, in the indexed PNGs and in the overlay video alike.
export type Rgb = [number, number, number];

export function paletteColor(index: number): Rgb {
  let r = 0;
  let g = 0;
  let b = 0;
  let c = index;
  for (let j = 0; j < 8; j++) {
    r |= ((c >> 0) & 1) << (7 - j);
    g |= ((c >> 1) & 1) << (7 - j);
    b |= ((c >> 2) & 1) << (7 - j);
    c >>= 3;
  }
  return [r, g, b];
}

export function palette(size = 256): Rgb[] {
  return Array.from({ length: size }, (_, i) => paletteColor(i));
}

export function hex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}
