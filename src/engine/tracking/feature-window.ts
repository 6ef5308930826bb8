// The encoder features of a session's last few frames, per session: what propagation (the frame
// being tracked and the one prefetched) and repeated prompts on one frame reuse. A long video
// kept in the engine's shared embedding LRU would flush the interactive images' embeddings.
export class FeatureWindow<T> {
  private readonly entries = new Map<number, { value: Promise<T>; bytes: number }>();

  constructor(private readonly capacity: number) {}

  /** The frame's features, computed once; concurrent callers share the computation. */
  get(frame: number, compute: () => Promise<{ value: T; bytes: number }>): Promise<T> {
    const hit = this.entries.get(frame);
    if (hit) {
      this.entries.delete(frame); // most recently used last
      this.entries.set(frame, hit);
      return hit.value;
    }
    const entry = { value: undefined as unknown as Promise<T>, bytes: 0 };
    entry.value = compute().then(
      (r) => {
        entry.bytes = r.bytes;
        return r.value;
      },
      (err) => {
        if (this.entries.get(frame) === entry) this.entries.delete(frame); // a failure is not remembered
        throw err;
      },
    );
    this.entries.set(frame, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
    return entry.value;
  }

  bytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.bytes;
    return n;
  }

  clear(): void {
    this.entries.clear();
  }
}
