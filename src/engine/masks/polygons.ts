/**
 * (Over 300 lines: one algorithm, contour tracing with holes and simplification, kept together.)
 * Polygons of a binary mask, in the shape COCO "segmentation" polygons take: a list of flat
 * [x1, y1, x2, y2, ...] arrays, one per connected component, in pixel coordinates.
 *
 * Coordinate convention: pixel (x, y) is the unit square [x, x+1] x [y, y+1], so polygon
 * vertices lie on pixel corners and the exact outline of a component is reproduced by any
 * rasteriser that samples pixel centres (x + 0.5, y + 0.5). (cv2.findContours returns the
 * centres of the boundary pixels instead; this outline is that contour shifted by +0.5 and dilated
 * by 0.5 px, which is what detectron2 recommends, and unlike it never degenerates to a point or a
 * line for single-pixel or one-pixel-wide parts.)
 *
 * Algorithm:
 *  1. Connected components with 8-connectivity, found on row runs with union-find (linking to the
 *     smaller run index, so each component's root is its first run in raster order).
 *  2. For each component, the outer boundary is followed along pixel edges ("crack following",
 *     the border following of the dual grid), starting from the top edge of its first pixel, heading
 *     east with the foreground on the right (clockwise on screen, y pointing down). At every corner
 *     the two pixels ahead decide the turn: ahead-left foreground -> turn left; else ahead-right
 *     foreground -> go straight; else turn right. Taking the left turn first at a diagonal (saddle)
 *     corner keeps diagonally touching pixels in the same outline (8-connectivity); the outline then
 *     touches itself at that corner. Every directed boundary edge has exactly one successor, so the
 *     walk stops when it is about to repeat its first edge (start corner, heading east) —
 *     the analogue of Jacob's stopping criterion.
 *  3. Only corners are recorded (no collinear points): with tolerance 0 the result is the exact
 *     rectilinear outline, integer vertices. With tolerance > 0, stair steps are first cut at the
 *     midpoints of their unit edges (see stepMidpoints: same pixel centres inside, staircases become
 *     straight lines), then the ring is simplified with Douglas–Peucker and collinear points are
 *     dropped; vertices are then multiples of 0.5. Rectangles (4 corners) are left as they are.
 *
 * Holes are not traced: each polygon is the outer boundary of one component, so a ring comes out
 * as a filled disc. That matches COCO, where the polygons of one object are combined by union
 * and cannot express holes anyway (use the RLE for exact masks). Components inside holes of other
 * components are separate components and do get their own polygon.
 */
import { assertBinaryMask, type BinaryMask } from './binary-mask.js';

/** A closed polygon as a flat [x1, y1, x2, y2, ...] list (the last vertex connects to the first). */
export type Polygon = number[];

export interface PolygonOptions {
  /**
   * Douglas–Peucker tolerance in pixels. 0 keeps the exact pixel outline (integer corners, no
   * collinear points). Default 1. A polygon that would collapse below 3 vertices is returned as
   * the exact outline instead.
   */
  tolerance?: number;
  /** Components with fewer foreground pixels than this are skipped. Default 1 (keep all). */
  minArea?: number;
}

class IntList {
  a: Int32Array;
  n = 0;
  constructor(cap = 64) {
    this.a = new Int32Array(cap);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

// Directions: 0 = east (+x), 1 = south (+y), 2 = west, 3 = north. Vertices are pixel corners.
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];
// Offset from the current corner (X, Y) to the pixel ahead-left / ahead-right of the walk.
const AL_DX = [0, 0, -1, -1];
const AL_DY = [-1, 0, 0, -1];
const AR_DX = [0, -1, -1, 0];
const AR_DY = [0, 0, -1, -1];

/** Outer outline of the component whose first (raster-order) pixel is (sx, sy), as corners. */
function traceOuter(mask: BinaryMask, sx: number, sy: number): number[] {
  const { width: w, height: h, data } = mask;
  const fg = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < w && y < h && data[y * w + x] !== 0;
  const out: number[] = [sx, sy]; // the start corner: its left, upper and upper-left pixels are background
  let x = sx;
  let y = sy;
  let d = 0;
  const limit = 4 * (w + 1) * (h + 1) + 4;
  for (let steps = 0; steps < limit; steps++) {
    x += DX[d]!;
    y += DY[d]!;
    let nd: number;
    if (fg(x + AL_DX[d]!, y + AL_DY[d]!)) nd = (d + 3) & 3;
    else if (fg(x + AR_DX[d]!, y + AR_DY[d]!)) nd = d;
    else nd = (d + 1) & 3;
    if (x === sx && y === sy && nd === 0) return out;
    if (nd !== d) out.push(x, y);
    d = nd;
  }
  throw new Error('polygon tracing did not close (internal error)');
}

/** Squared distance from (px, py) to the segment (ax, ay)-(bx, by). */
function segDist2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const vx = bx - ax;
  const vy = by - ay;
  const len2 = vx * vx + vy * vy;
  let t = len2 === 0 ? 0 : ((px - ax) * vx + (py - ay) * vy) / len2;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  const dx = ax + t * vx - px;
  const dy = ay + t * vy - py;
  return dx * dx + dy * dy;
}

/**
 * True when b can be dropped from a -> b -> c: b repeats a, or b lies on the segment's straight
 * continuation (collinear and not a reversal; a reversal is a spike and stays a corner).
 */
function redundant(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): boolean {
  if (ax === bx && ay === by) return true;
  const cross = (bx - ax) * (cy - by) - (by - ay) * (cx - bx);
  if (cross !== 0) return false;
  return (bx - ax) * (cx - bx) + (by - ay) * (cy - by) >= 0;
}

/** Drops repeated vertices and vertices on a straight line through their neighbours, around the ring. */
function removeCollinear(poly: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < poly.length; i += 2) {
    out.push(poly[i]!, poly[i + 1]!);
    let m = out.length;
    while (m >= 6 && redundant(out[m - 6]!, out[m - 5]!, out[m - 4]!, out[m - 3]!, out[m - 2]!, out[m - 1]!)) {
      out.splice(m - 4, 2);
      m -= 2;
    }
  }
  // Close the ring: the last and the first vertex may still be redundant.
  for (let changed = true; changed && out.length >= 6; ) {
    changed = false;
    const m = out.length;
    if (redundant(out[m - 4]!, out[m - 3]!, out[m - 2]!, out[m - 1]!, out[0]!, out[1]!)) {
      out.splice(m - 2, 2);
      changed = true;
    } else if (redundant(out[m - 2]!, out[m - 1]!, out[0]!, out[1]!, out[2]!, out[3]!)) {
      out.splice(0, 2);
      changed = true;
    }
  }
  return out;
}

/**
 * Prepares a pixel outline for Douglas–Peucker. Simplifying the corners themselves biases
 * staircases: a 45-degree staircase is replaced by the line through its inner (or outer) corners,
 * which passes exactly through a row of pixel centres. So a corner next to a unit-length side (a
 * stair step) is replaced by the midpoints of its two unit edges (a 0.5 px chamfer, as marching
 * squares at level 0.5 over pixel centres would give), and a staircase becomes a straight line
 * half-way between its inner and outer corners. Corners between two sides of length >= 2 stay,
 * so rectangles keep their corners. Either way the same pixel centres are inside.
 */
function stepMidpoints(corners: number[]): number[] {
  const n = corners.length >> 1;
  const len = (i: number): number => {
    const j = (i + 1) % n;
    return Math.abs(corners[2 * j]! - corners[2 * i]!) + Math.abs(corners[2 * j + 1]! - corners[2 * i + 1]!);
  };
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = (i + n - 1) % n;
    const j = (i + 1) % n;
    const cx = corners[2 * i]!, cy = corners[2 * i + 1]!;
    if (len(p) >= 2 && len(i) >= 2) {
      out.push(cx, cy);
      continue;
    }
    // Midpoint of the incoming unit edge, then of the outgoing one.
    out.push(cx + Math.sign(corners[2 * p]! - cx) * 0.5, cy + Math.sign(corners[2 * p + 1]! - cy) * 0.5);
    out.push(cx + Math.sign(corners[2 * j]! - cx) * 0.5, cy + Math.sign(corners[2 * j + 1]! - cy) * 0.5);
  }
  return out;
}

/** Douglas–Peucker on a closed ring: split at vertex 0 and the vertex farthest from it. */
function simplifyClosed(poly: number[], tolerance: number): number[] {
  const n = poly.length >> 1;
  if (n <= 4) return poly;
  const x0 = poly[0]!;
  const y0 = poly[1]!;
  let far = 0;
  let farD = -1;
  for (let i = 1; i < n; i++) {
    const dx = poly[2 * i]! - x0;
    const dy = poly[2 * i + 1]! - y0;
    const dd = dx * dx + dy * dy;
    if (dd > farD) {
      farD = dd;
      far = i;
    }
  }
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[far] = 1;
  const tol2 = tolerance * tolerance;
  // Chains [0, far] and [far, n] (index n is vertex 0 again).
  const stack: number[] = [0, far, far, n];
  while (stack.length > 0) {
    const b = stack.pop()!;
    const a = stack.pop()!;
    if (b - a < 2) continue;
    const ax = poly[2 * (a % n)]!, ay = poly[2 * (a % n) + 1]!;
    const bx = poly[2 * (b % n)]!, by = poly[2 * (b % n) + 1]!;
    let best = -1;
    let bestD = -1;
    for (let i = a + 1; i < b; i++) {
      const d2 = segDist2(poly[2 * i]!, poly[2 * i + 1]!, ax, ay, bx, by);
      if (d2 > bestD) {
        bestD = d2;
        best = i;
      }
    }
    if (bestD > tol2) {
      keep[best] = 1;
      stack.push(a, best, best, b);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(poly[2 * i]!, poly[2 * i + 1]!);
  return removeCollinear(out);
}

/**
 * Outer-boundary polygons of the 8-connected foreground components, in raster order of each
 * component's first pixel. See the file comment for conventions.
 */
export function maskToPolygons(mask: BinaryMask, options: PolygonOptions = {}): Polygon[] {
  assertBinaryMask(mask);
  const tolerance = options.tolerance ?? 1;
  const minArea = Math.max(1, options.minArea ?? 1);
  const { width: w, height: h, data } = mask;

  // 1. Row runs [x0, x1) of foreground, in raster order.
  const runY = new IntList();
  const runX0 = new IntList();
  const runX1 = new IntList();
  const rowStart = new Int32Array(h + 1);
  for (let y = 0; y < h; y++) {
    rowStart[y] = runY.n;
    const base = y * w;
    let x = 0;
    while (x < w) {
      while (x < w && data[base + x] === 0) x++;
      if (x >= w) break;
      const x0 = x;
      while (x < w && data[base + x] !== 0) x++;
      runY.push(y);
      runX0.push(x0);
      runX1.push(x);
    }
  }
  rowStart[h] = runY.n;
  const nRuns = runY.n;
  if (nRuns === 0) return [];

  // 2. Union-find over runs; a run touches a run of the previous row when their x ranges
  //    overlap or meet diagonally (8-connectivity).
  const parent = new Int32Array(nRuns);
  for (let i = 0; i < nRuns; i++) parent[i] = i;
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[i] !== r) {
      const next = parent[i]!;
      parent[i] = r;
      i = next;
    }
    return r;
  };
  const X0 = runX0.a;
  const X1 = runX1.a;
  for (let y = 1; y < h; y++) {
    let p = rowStart[y - 1]!;
    const pEnd = rowStart[y]!;
    let c = rowStart[y]!;
    const cEnd = rowStart[y + 1]!;
    while (p < pEnd && c < cEnd) {
      // 8-adjacent iff prev.x0 <= cur.x1 (exclusive end, so one past the last pixel) and vice versa.
      if (X0[p]! <= X1[c]! && X0[c]! <= X1[p]!) {
        const rp = find(p);
        const rc = find(c);
        if (rp !== rc) {
          if (rp < rc) parent[rc] = rp;
          else parent[rp] = rc;
        }
      }
      // Advance whichever run ends first.
      if (X1[p]! < X1[c]!) p++;
      else c++;
    }
  }

  // Component areas (indexed by root = first run in raster order).
  const area = new Float64Array(nRuns);
  for (let i = 0; i < nRuns; i++) area[find(i)] += X1[i]! - X0[i]!;

  // 3. Trace each component from its first run's first pixel.
  const polygons: Polygon[] = [];
  for (let i = 0; i < nRuns; i++) {
    if (parent[i] !== i || area[i]! < minArea) continue;
    let poly = traceOuter(mask, X0[i]!, runY.a[i]!);
    if (tolerance > 0 && poly.length > 8) {
      const simplified = simplifyClosed(stepMidpoints(poly), tolerance);
      if (simplified.length >= 6) poly = simplified;
    }
    polygons.push(poly);
  }
  return polygons;
}

/**
 * Rasterises polygons as COCO does conceptually: each polygon filled with the even-odd rule,
 * sampling pixel centres (x + 0.5, y + 0.5), and the polygons combined by union.
 */
export function rasterizePolygons(polygons: readonly Polygon[], width: number, height: number): BinaryMask {
  const data = new Uint8Array(width * height);
  const xs: number[] = [];
  for (const poly of polygons) {
    const n = poly.length >> 1;
    if (n < 3) continue;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const y = poly[2 * i + 1]!;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    const yStart = Math.max(0, Math.ceil(minY - 0.5));
    const yEnd = Math.min(height - 1, Math.floor(maxY - 0.5));
    for (let row = yStart; row <= yEnd; row++) {
      const cy = row + 0.5;
      xs.length = 0;
      for (let i = 0; i < n; i++) {
        const j = (i + 1) % n;
        const ax = poly[2 * i]!, ay = poly[2 * i + 1]!;
        const bx = poly[2 * j]!, by = poly[2 * j + 1]!;
        if (ay > cy !== by > cy) xs.push(ax + ((cy - ay) * (bx - ax)) / (by - ay));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        // Pixels whose centre x + 0.5 lies in [xs[k], xs[k+1]).
        const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
        const to = Math.min(width, Math.ceil(xs[k + 1]! - 0.5));
        const base = row * width;
        for (let x = from; x < to; x++) data[base + x] = 1;
      }
    }
  }
  return { width, height, data };
}
