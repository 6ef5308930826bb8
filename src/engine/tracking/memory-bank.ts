// SAM 2's memory bank for one object, kept in TypeScript: memories of its conditioning
// (prompted) frames, and of recently tracked frames, each with the object pointer of its frame.
// For frame t it assembles what memory attention takes, as SAM 2's
// _prepare_memory_conditioned_features does at inference: the conditioning frames on both sides
// of t (select_closest_cond_frames beyond a cap), the (numMaskmem - 1) frames just before t in
// the tracking direction, and object pointers of the conditioning frames not ahead of t plus the
// frames just before it.

export interface MemoryEntry {
  frame: number;
  /** maskmem_features of the frame, [Cm, H, W] flattened. */
  features: Float32Array;
  /** maskmem_pos_enc of the frame, [H*W, Cm] flattened. */
  posEnc: Float32Array;
  /** obj_ptr of the frame, [Cptr]. */
  objPtr: Float32Array;
}

export interface MemoryInputs {
  /** [1, nPtr, Cptr] */
  objPtrs: Float32Array;
  nPtr: number;
  /** [1, nMem, Cm, H, W] */
  memories: Float32Array;
  nMem: number;
  /** [1, nMem*H*W + nPtr*(Cptr/Cm), Cm]: spatial positional encodings plus temporal codes; zeros for pointer tokens. */
  posEmbed: Float32Array;
  posRows: number;
  /** Frames between t and the closest conditioning frame. */
  condFrameDistance: number;
}

export interface BankShape {
  /** Temporal codes [numMaskmem, Cm] from the memory encoder. */
  temporalCode: Float32Array;
  numMaskmem: number;
  memDim: number;
  /** H*W of a spatial memory. */
  memTokens: number;
  ptrDim: number;
}

/** SAM 2's max_obj_ptrs_in_encoder. */
export const MAX_OBJ_PTRS = 16;
/** Conditioning frames attended at once (SAM 2's max_cond_frames_in_attn; it defaults to all, a cap bounds the cost of many prompted frames). */
export const MAX_COND_FRAMES_IN_ATTN = 6;

export class MemoryBank {
  readonly cond = new Map<number, MemoryEntry>();
  readonly recent = new Map<number, MemoryEntry>();

  add(entry: MemoryEntry, conditioning: boolean): void {
    (conditioning ? this.cond : this.recent).set(entry.frame, entry);
    if (conditioning) this.recent.delete(entry.frame);
  }

  isEmpty(): boolean {
    return this.cond.size === 0 && this.recent.size === 0;
  }

  /**
   * Forgets tracked frames too far from t to be used again in this pass, bounding memory; those
   * near the pass's start stay, for the backward half of a BOTH propagation that begins beside it.
   */
  prune(t: number, start = t, keep = MAX_OBJ_PTRS): void {
    for (const f of this.recent.keys()) if (Math.abs(f - t) > keep && Math.abs(f - start) > keep) this.recent.delete(f);
  }

  forgetFrame(frame: number): void {
    this.cond.delete(frame);
    this.recent.delete(frame);
  }

  clear(): void {
    this.cond.clear();
    this.recent.clear();
  }

  bytes(): number {
    let n = 0;
    for (const m of [this.cond, this.recent]) for (const e of m.values()) n += e.features.byteLength + e.posEnc.byteLength + e.objPtr.byteLength;
    return n;
  }

  /**
   * Memory attention inputs for frame t of a video of numFrames frames, tracking in direction
   * step (+1 forward, -1 backward); null when the object has no memory at all.
   */
  inputs(t: number, step: 1 | -1, shape: BankShape, numFrames: number): MemoryInputs | null {
    const { selected, unselected } = selectClosestCondFrames(t, [...this.cond.keys()], MAX_COND_FRAMES_IN_ATTN);
    // Spatial memories: the selected conditioning frames (temporal position 0), then the frame
    // i steps back in the direction of travel at position numMaskmem - i (SAM 2's t_pos: the
    // previous frame is numMaskmem - 1), a non-conditioning result or an unselected
    // conditioning frame.
    const spatial: { entry: MemoryEntry; tpos: number }[] = selected.map((f) => ({ entry: this.cond.get(f)!, tpos: 0 }));
    const past = (f: number) => this.recent.get(f) ?? (unselected.has(f) ? this.cond.get(f) : undefined);
    for (let i = 1; i < shape.numMaskmem; i++) {
      const e = past(t - i * step);
      if (e) spatial.push({ entry: e, tpos: shape.numMaskmem - i });
    }
    if (spatial.length === 0) return null;

    // Object pointers as SAM 2 takes them at inference (only_obj_ptrs_in_the_past_for_eval): the
    // selected conditioning frames not ahead of t in the direction of travel, then the frames
    // 1..maxPtrs-1 steps back.
    const ptrs: Float32Array[] = selected.filter((f) => (step > 0 ? f <= t : f >= t)).map((f) => this.cond.get(f)!.objPtr);
    const maxPtrs = Math.min(numFrames, MAX_OBJ_PTRS);
    for (let i = 1; i < maxPtrs; i++) {
      const f = t - i * step;
      if (f < 0 || f >= numFrames) break;
      const e = past(f);
      if (e) ptrs.push(e.objPtr);
    }
    const { memDim, memTokens, ptrDim, numMaskmem, temporalCode } = shape;
    const memSize = memDim * memTokens;
    const memories = new Float32Array(spatial.length * memSize);
    const tokensPerPtr = Math.max(1, Math.round(ptrDim / memDim));
    const posRows = spatial.length * memTokens + ptrs.length * tokensPerPtr;
    const posEmbed = new Float32Array(posRows * memDim);
    spatial.forEach(({ entry, tpos }, k) => {
      memories.set(entry.features, k * memSize);
      // maskmem_tpos_enc[numMaskmem - t_pos - 1]: conditioning frames the last code, the previous frame the first.
      const code = temporalCode.subarray((numMaskmem - tpos - 1) * memDim, (numMaskmem - tpos) * memDim);
      const base = k * memTokens * memDim;
      for (let r = 0; r < memTokens; r++) {
        const row = base + r * memDim;
        for (let c = 0; c < memDim; c++) posEmbed[row + c] = entry.posEnc[r * memDim + c] + code[c];
      }
    });
    const objPtrs = new Float32Array(ptrs.length * ptrDim);
    ptrs.forEach((p, i) => objPtrs.set(p, i * ptrDim));
    const condFrameDistance = selected.length ? Math.min(...selected.map((f) => Math.abs(t - f))) : 0;
    return { objPtrs, nPtr: ptrs.length, memories, nMem: spatial.length, posEmbed, posRows, condFrameDistance };
  }
}

/**
 * SAM 2's select_closest_cond_frames: all conditioning frames up to max; beyond it the closest
 * one before t, the closest one at or after t, then the temporally closest others.
 */
export function selectClosestCondFrames(t: number, frames: number[], max: number): { selected: number[]; unselected: Set<number> } {
  const sorted = [...frames].sort((a, b) => a - b);
  if (max < 0 || sorted.length <= max) return { selected: sorted, unselected: new Set() };
  const chosen = new Set<number>();
  const before = sorted.filter((f) => f < t).at(-1);
  const after = sorted.find((f) => f >= t);
  if (before !== undefined) chosen.add(before);
  if (after !== undefined) chosen.add(after);
  const rest = sorted.filter((f) => !chosen.has(f)).sort((a, b) => Math.abs(a - t) - Math.abs(b - t) || a - b);
  for (const f of rest.slice(0, Math.max(0, max - chosen.size))) chosen.add(f);
  return { selected: sorted.filter((f) => chosen.has(f)), unselected: new Set(sorted.filter((f) => !chosen.has(f))) };
}
