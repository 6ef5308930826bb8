/**
 * A binary mask: row-major, one byte per pixel, 1 = foreground, 0 = background.
 * `data.length === width * height`; pixel (x, y) is `data[y * width + x]`.
 *
 * Functions in this folder treat any non-zero byte as foreground when reading and always write 0/1.
 */
export interface BinaryMask {
  width: number;
  height: number;
  data: Uint8Array;
}

function checkDims(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`invalid mask size ${width}x${height}`);
  }
}

/** An all-background mask. */
export function createBinaryMask(width: number, height: number): BinaryMask {
  checkDims(width, height);
  return { width, height, data: new Uint8Array(width * height) };
}

/** Throws if `mask.data` does not hold exactly width*height pixels. */
export function assertBinaryMask(mask: BinaryMask): void {
  checkDims(mask.width, mask.height);
  if (!(mask.data instanceof Uint8Array) || mask.data.length !== mask.width * mask.height) {
    throw new RangeError(
      `mask data length ${mask.data?.length} does not match ${mask.width}x${mask.height}`,
    );
  }
}

export function cloneBinaryMask(mask: BinaryMask): BinaryMask {
  return { width: mask.width, height: mask.height, data: mask.data.slice() };
}

/** True when both masks have the same size and the same foreground (non-zero) pixels. */
export function binaryMasksEqual(a: BinaryMask, b: BinaryMask): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  const da = a.data;
  const db = b.data;
  for (let i = 0; i < da.length; i++) {
    if ((da[i] !== 0) !== (db[i] !== 0)) return false;
  }
  return true;
}

/**
 * Builds a mask from text rows, handy in tests and examples: every row is one image row and
 * `#`, `1`, `x` or `X` mark foreground; any other character is background. Rows must have equal length.
 */
export function binaryMaskFromRows(rows: readonly string[]): BinaryMask {
  const height = rows.length;
  const width = height === 0 ? 0 : rows[0]!.length;
  const mask = createBinaryMask(width, height);
  for (let y = 0; y < height; y++) {
    const row = rows[y]!;
    if (row.length !== width) throw new RangeError(`row ${y} has length ${row.length}, expected ${width}`);
    for (let x = 0; x < width; x++) {
      const c = row[x];
      if (c === '#' || c === '1' || c === 'x' || c === 'X') mask.data[y * width + x] = 1;
    }
  }
  return mask;
}
