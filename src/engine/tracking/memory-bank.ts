// SAM 2's memory bank for one object, kept in TypeScript: memories of its conditioning
// (prompted) frames, and of recently tracked frames, each with the object pointer of its frame.
// For frame t it assembles what memory attention takes, as SAM 2's
// _prepare_memory_conditioned_features does: every conditioning frame (temporal position 0),
// the (numMaskmem - 1) frames just before t in the tracking direction (positions 1..6), and up
// to maxObjPtrs object pointers from conditioning frames not after t and recent frames.

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

export const MAX_OBJ_PTRS = 16;

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

  /** Forgets tracked frames too far from t to be used again in this pass, bounding memory. */
  prune(t: number, keep = MAX_OBJ_PTRS): void {
    for (const f of this.recent.keys()) if (Math.abs(f - t) > keep) this.recent.delete(f);
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

  /** Memory attention inputs for frame t, tracking in direction step (+1 forward, -1 backward); null if nothing to attend to. */
  inputs(t: number, step: 1 | -1, shape: BankShape): MemoryInputs | null {
    const spatial: { entry: MemoryEntry; tpos: number }[] = [];
    for (const e of [...this.cond.values()].sort((a, b) => a.frame - b.frame)) spatial.push({ entry: e, tpos: 0 });
    for (let i = 1; i < shape.numMaskmem; i++) {
      const e = this.recent.get(t - i * step);
      if (e) spatial.push({ entry: e, tpos: i });
    }
    if (spatial.length === 0) return null;

    // Object pointers: conditioning frames not after t (in the tracking direction), then recent frames.
    const ptrs: Float32Array[] = [...this.cond.values()]
      .filter((e) => (step > 0 ? e.frame <= t : e.frame >= t))
      .sort((a, b) => Math.abs(t - a.frame) - Math.abs(t - b.frame))
      .map((e) => e.objPtr);
    for (let i = 1; i < MAX_OBJ_PTRS && ptrs.length < MAX_OBJ_PTRS; i++) {
      const e = this.recent.get(t - i * step);
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
      const code = temporalCode.subarray((numMaskmem - tpos - 1) * memDim, (numMaskmem - tpos) * memDim);
      const base = k * memTokens * memDim;
      for (let r = 0; r < memTokens; r++) {
        const row = base + r * memDim;
        for (let c = 0; c < memDim; c++) posEmbed[row + c] = entry.posEnc[r * memDim + c] + code[c];
      }
    });
    const objPtrs = new Float32Array(ptrs.length * ptrDim);
    ptrs.forEach((p, i) => objPtrs.set(p, i * ptrDim));
    const condFrames = [...this.cond.keys()];
    const condFrameDistance = condFrames.length ? Math.min(...condFrames.map((f) => Math.abs(t - f))) : 0;
    return { objPtrs, nPtr: ptrs.length, memories, nMem: spatial.length, posEmbed, posRows, condFrameDistance };
  }
}
