import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../scripts/models/prng.js';
import { binaryMaskFromRows, createBinaryMask, type BinaryMask } from '../../../src/engine/masks/binary-mask.js';
import { iou } from '../../../src/engine/masks/mask-stats.js';
import { maskToPolygons, rasterizePolygons, type Polygon } from '../../../src/engine/masks/polygons.js';

/** Independent rasteriser: even-odd ray casting at every pixel centre, polygons combined by union. */
function referenceRasterize(polygons: Polygon[], w: number, h: number): BinaryMask {
  const m = createBinaryMask(w, h);
  for (const poly of polygons) {
    const n = poly.length / 2;
    for (let y = 0; y < h; y++) {
      const py = y + 0.5;
      for (let x = 0; x < w; x++) {
        const px = x + 0.5;
        let inside = false;
        for (let i = 0, j = n - 1; i < n; j = i++) {
          const xi = poly[2 * i]!, yi = poly[2 * i + 1]!;
          const xj = poly[2 * j]!, yj = poly[2 * j + 1]!;
          if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
        }
        if (inside) m.data[y * w + x] = 1;
      }
    }
  }
  return m;
}

/** The mask with its holes filled: everything not 4-connected to the border through background. */
function fillHoles(m: BinaryMask): BinaryMask {
  const { width: w, height: h, data } = m;
  const outside = new Uint8Array(w * h);
  const stack: number[] = [];
  const push = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    const i = y * w + x;
    if (data[i] || outside[i]) return;
    outside[i] = 1;
    stack.push(i);
  };
  for (let x = 0; x < w; x++) {
    push(x, 0);
    push(x, h - 1);
  }
  for (let y = 0; y < h; y++) {
    push(0, y);
    push(w - 1, y);
  }
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % w;
    const y = (i - x) / w;
    push(x + 1, y);
    push(x - 1, y);
    push(x, y + 1);
    push(x, y - 1);
  }
  return { width: w, height: h, data: outside.map((v) => 1 - v) };
}

/** Number of 8-connected foreground components (flood fill). */
function countComponents(m: BinaryMask): number {
  const { width: w, height: h, data } = m;
  const seen = new Uint8Array(w * h);
  let n = 0;
  for (let s = 0; s < w * h; s++) {
    if (!data[s] || seen[s]) continue;
    n++;
    const stack = [s];
    seen[s] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % w;
      const y = (i - x) / w;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const j = ny * w + nx;
          if (data[j] && !seen[j]) {
            seen[j] = 1;
            stack.push(j);
          }
        }
    }
  }
  return n;
}

function sameMask(a: BinaryMask, b: BinaryMask): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  for (let i = 0; i < a.data.length; i++) if ((a.data[i] !== 0) !== (b.data[i] !== 0)) return false;
  return true;
}

function checkWellFormed(polys: Polygon[], w: number, h: number, exact: boolean): void {
  for (const p of polys) {
    expect(p.length % 2).toBe(0);
    expect(p.length).toBeGreaterThanOrEqual(6);
    const n = p.length / 2;
    for (let i = 0; i < n; i++) {
      const x = p[2 * i]!, y = p[2 * i + 1]!;
      // Exact outlines have integer corners; simplified ones lie on the half-pixel grid.
      if (exact) expect(Number.isInteger(x) && Number.isInteger(y)).toBe(true);
      else expect(Number.isInteger(2 * x) && Number.isInteger(2 * y)).toBe(true);
      expect(x >= 0 && x <= w && y >= 0 && y <= h).toBe(true);
      const j = (i + 1) % n;
      const k = (i + 2) % n;
      // No repeated consecutive vertices, no collinear straight-through vertex.
      expect(p[2 * i] === p[2 * j] && p[2 * i + 1] === p[2 * j + 1]).toBe(false);
      if (exact) {
        const ax = p[2 * i]!, ay = p[2 * i + 1]!, bx = p[2 * j]!, by = p[2 * j + 1]!, cx = p[2 * k]!, cy = p[2 * k + 1]!;
        expect((bx - ax) * (cy - by) - (by - ay) * (cx - bx)).not.toBe(0);
        // The exact outline is rectilinear: every edge is horizontal or vertical.
        expect(ax === bx || ay === by).toBe(true);
      }
    }
  }
}

/** Exact outlines (tolerance 0) must rasterise back to the mask with holes filled, with one polygon per component. */
function checkExact(m: BinaryMask): Polygon[] {
  const polys = maskToPolygons(m, { tolerance: 0 });
  checkWellFormed(polys, m.width, m.height, true);
  expect(polys.length).toBe(countComponents(m));
  const back = referenceRasterize(polys, m.width, m.height);
  expect(sameMask(back, fillHoles(m))).toBe(true);
  expect(sameMask(rasterizePolygons(polys, m.width, m.height), back)).toBe(true);
  return polys;
}

describe('maskToPolygons', () => {
  it('returns nothing for an empty mask', () => {
    expect(maskToPolygons(createBinaryMask(5, 4))).toEqual([]);
    expect(maskToPolygons(createBinaryMask(0, 0))).toEqual([]);
  });

  it('outlines a single pixel as its unit square (clockwise on screen, from the top-left corner)', () => {
    const m = binaryMaskFromRows(['....', '....', '....', '..#.']);
    expect(maskToPolygons(m)).toEqual([[2, 3, 3, 3, 3, 4, 2, 4]]);
    checkExact(m);
  });

  it('outlines single pixels in all four corners and the full image', () => {
    const corners = binaryMaskFromRows(['#..#', '....', '#..#']);
    expect(maskToPolygons(corners, { tolerance: 0 })).toEqual([
      [0, 0, 1, 0, 1, 1, 0, 1],
      [3, 0, 4, 0, 4, 1, 3, 1],
      [0, 2, 1, 2, 1, 3, 0, 3],
      [3, 2, 4, 2, 4, 3, 3, 3],
    ]);
    checkExact(corners);
    const full = binaryMaskFromRows(['###', '###']);
    expect(maskToPolygons(full)).toEqual([[0, 0, 3, 0, 3, 2, 0, 2]]);
    expect(maskToPolygons(binaryMaskFromRows(['#']))).toEqual([[0, 0, 1, 0, 1, 1, 0, 1]]);
  });

  it('joins diagonal neighbours (8-connectivity), touching itself at the shared corner', () => {
    const m = binaryMaskFromRows(['#.', '.#']);
    expect(maskToPolygons(m, { tolerance: 0 })).toEqual([[0, 0, 1, 0, 1, 1, 2, 1, 2, 2, 1, 2, 1, 1, 0, 1]]);
    checkExact(m);
    const anti = binaryMaskFromRows(['.#', '#.']);
    expect(maskToPolygons(anti, { tolerance: 0 })).toHaveLength(1);
    checkExact(anti);
    const checker = binaryMaskFromRows(['#.#.#', '.#.#.', '#.#.#', '.#.#.']);
    expect(checkExact(checker)).toHaveLength(1);
    const diagonal = binaryMaskFromRows(['#.....', '.#....', '..#...', '...#..', '....#.', '.....#']);
    expect(checkExact(diagonal)).toHaveLength(1);
  });

  it('keeps one-pixel-wide lines and single-pixel spurs as real polygons', () => {
    checkExact(binaryMaskFromRows(['#######']));
    checkExact(binaryMaskFromRows(['#', '#', '#']));
    const spur = binaryMaskFromRows(['...#...', '...#...', '#######', '...#...', '...#...']);
    const polys = checkExact(spur);
    expect(polys).toHaveLength(1);
    expect(polys[0]!.length / 2).toBe(12); // a plus sign has 12 corners
  });

  it('finds several components, including one inside another one\'s hole', () => {
    const m = binaryMaskFromRows([
      '#######..##',
      '#.....#..##',
      '#.###.#....',
      '#.#.#.#...#',
      '#.###.#....',
      '#.....#.#.#',
      '#######..#.',
    ]);
    // The ring, the 2x2 block, the lone pixel at (10,3), the little ring with a hole inside the
    // big ring, and the diagonal zig-zag at the bottom right (one 8-connected component).
    const polys = checkExact(m);
    expect(polys).toHaveLength(5);
    // Holes are filled: the big ring comes out as the full 7x7 square.
    expect(polys[0]).toEqual([0, 0, 7, 0, 7, 7, 0, 7]);
  });

  it('handles shapes touching every image edge', () => {
    const m = binaryMaskFromRows(['##.##', '#...#', '.....', '#...#', '##.##']);
    expect(checkExact(m)).toHaveLength(4);
    const frame = binaryMaskFromRows(['#####', '#...#', '#...#', '#####']);
    expect(checkExact(frame)).toEqual([[0, 0, 5, 0, 5, 4, 0, 4]]);
  });

  it('reproduces random masks exactly (holes filled) with tolerance 0', () => {
    const rnd = mulberry32(42);
    for (let t = 0; t < 150; t++) {
      const w = 1 + Math.floor(rnd() * 24);
      const h = 1 + Math.floor(rnd() * 24);
      const density = [0.1, 0.3, 0.5, 0.7, 0.9][t % 5]!;
      const m = createBinaryMask(w, h);
      for (let i = 0; i < m.data.length; i++) m.data[i] = rnd() < density ? 1 : 0;
      checkExact(m);
    }
  });

  it('simplified polygons (default 1 px Douglas-Peucker) keep IoU >= 0.9 on blobs', () => {
    const rnd = mulberry32(7);
    let worst = 1;
    for (let t = 0; t < 40; t++) {
      const w = 40 + Math.floor(rnd() * 120);
      const h = 40 + Math.floor(rnd() * 120);
      const m = createBinaryMask(w, h);
      // A few overlapping ellipses at random angles (some cut by the image border).
      const k = 1 + Math.floor(rnd() * 3);
      for (let e = 0; e < k; e++) {
        const cx = rnd() * w;
        const cy = rnd() * h;
        const a = 6 + rnd() * w * 0.3;
        const b = 6 + rnd() * h * 0.3;
        const th = rnd() * Math.PI;
        const c = Math.cos(th);
        const s = Math.sin(th);
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const u = (x + 0.5 - cx) * c + (y + 0.5 - cy) * s;
            const v = -(x + 0.5 - cx) * s + (y + 0.5 - cy) * c;
            if ((u / a) ** 2 + (v / b) ** 2 <= 1) m.data[y * w + x] = 1;
          }
      }
      const exact = maskToPolygons(m, { tolerance: 0 });
      const simple = maskToPolygons(m);
      checkWellFormed(simple, w, h, false);
      expect(simple).toHaveLength(exact.length);
      const vertices = (ps: Polygon[]) => ps.reduce((n, p) => n + p.length / 2, 0);
      expect(vertices(simple)).toBeLessThanOrEqual(vertices(exact));
      const back = referenceRasterize(simple, w, h);
      expect(sameMask(rasterizePolygons(simple, w, h), back)).toBe(true);
      const score = iou(back, m);
      worst = Math.min(worst, score);
      expect(score).toBeGreaterThanOrEqual(0.9);
    }
    expect(worst).toBeGreaterThan(0.9);
  });

  it('simplification reduces a staircase diagonal and never collapses tiny shapes', () => {
    // A filled right triangle: its hypotenuse is a staircase with many corners.
    const n = 30;
    const m = createBinaryMask(n, n);
    for (let y = 0; y < n; y++) for (let x = 0; x <= y; x++) m.data[y * n + x] = 1;
    const exact = maskToPolygons(m, { tolerance: 0 })[0]!;
    expect(exact.length / 2).toBe(2 * n + 2);
    // With 0.5 px the staircase becomes one straight edge half-way between its inner and outer
    // corners, which separates the same pixel centres: the triangle rasterises back exactly.
    const half = maskToPolygons(m, { tolerance: 0.5 })[0]!;
    expect(half).toEqual([0, 0.5, 0.5, 0, 30, 29.5, 0, 30]); // chamfered tip, hypotenuse x - y = 0.5
    expect(iou(referenceRasterize([half], n, n), m)).toBe(1);
    // The default 1 px may also drop the 0.5 px chamfer at the tip, tilting the edge slightly.
    const simple = maskToPolygons(m)[0]!;
    expect(simple.length / 2).toBeLessThanOrEqual(4);
    expect(iou(referenceRasterize([simple], n, n), m)).toBeGreaterThan(0.95);
    // Tiny shapes keep their exact outline rather than collapsing below a triangle.
    for (const rows of [['#'], ['##'], ['#', '#'], ['#.', '.#']]) {
      const p = maskToPolygons(binaryMaskFromRows(rows), { tolerance: 5 });
      expect(p).toHaveLength(1);
      expect(p[0]!.length).toBeGreaterThanOrEqual(6);
    }
  });

  it('drops components smaller than minArea', () => {
    const m = binaryMaskFromRows(['#..##', '...##', '.....', '###..']);
    expect(maskToPolygons(m, { tolerance: 0 })).toHaveLength(3);
    expect(maskToPolygons(m, { tolerance: 0, minArea: 2 })).toHaveLength(2);
    expect(maskToPolygons(m, { tolerance: 0, minArea: 4 })).toEqual([[3, 0, 5, 0, 5, 2, 3, 2]]);
  });
});

describe('rasterizePolygons', () => {
  it('fills pixel centres inside with the even-odd rule and unions polygons', () => {
    // Centre (x+0.5, y+0.5) is inside when x + y + 1 < 4.2.
    const tri: Polygon = [0, 0, 4.2, 0, 0, 4.2];
    const r = rasterizePolygons([tri], 4, 4);
    expect(sameMask(r, referenceRasterize([tri], 4, 4))).toBe(true);
    expect(Array.from(r.data)).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0]);
    const a: Polygon = [0, 0, 2, 0, 2, 2, 0, 2];
    const b: Polygon = [1, 1, 3, 1, 3, 3, 1, 3];
    expect(Array.from(rasterizePolygons([a, b], 3, 3).data)).toEqual([1, 1, 0, 1, 1, 1, 0, 1, 1]);
    // Clipped to the image.
    expect(Array.from(rasterizePolygons([[-5, -5, 10, -5, 10, 10, -5, 10]], 2, 2).data)).toEqual([1, 1, 1, 1]);
  });
});
