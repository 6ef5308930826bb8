// Bilinear upsampling of a logits plane and thresholding at 0 (the contract's postprocessing,
// written here independently of the engine so the model tests check the graphs alone).
export function upsampleThreshold(plane: Float32Array, h0: number, w0: number, h: number, w: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(Math.max(((y + 0.5) * h0) / h - 0.5, 0), h0 - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h0 - 1);
    const fy = sy - y0;
    for (let x = 0; x < w; x++) {
      const sx = Math.min(Math.max(((x + 0.5) * w0) / w - 0.5, 0), w0 - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, w0 - 1);
      const fx = sx - x0;
      const v =
        (1 - fy) * ((1 - fx) * plane[y0 * w0 + x0] + fx * plane[y0 * w0 + x1]) +
        fy * ((1 - fx) * plane[y1 * w0 + x0] + fx * plane[y1 * w0 + x1]);
      out[y * w + x] = v > 0 ? 1 : 0;
    }
  }
  return out;
}
