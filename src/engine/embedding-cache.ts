// Image embeddings by model and image content, in an LRU bounded in bytes; concurrent requests
// for the same image share one encoder run.
import { LRUCache } from 'lru-cache';
import type { Embedding } from './families/family.js';

export class EmbeddingCache {
  private readonly lru?: LRUCache<string, Embedding>;
  private readonly inflight = new Map<string, Promise<Embedding>>();
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    if (maxBytes > 0) this.lru = new LRUCache({ maxSize: maxBytes, sizeCalculation: (e) => Math.max(1, e.bytes) });
  }

  /** Returns the cached embedding or computes it once; reports whether it was a hit. */
  async get(key: string, compute: () => Promise<Embedding>): Promise<{ embedding: Embedding; hit: boolean }> {
    const cached = this.lru?.get(key);
    if (cached) {
      this.hits++;
      return { embedding: cached, hit: true };
    }
    const pending = this.inflight.get(key);
    if (pending) {
      this.hits++;
      return { embedding: await pending, hit: true };
    }
    this.misses++;
    const p = compute().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    const embedding = await p;
    this.lru?.set(key, embedding);
    return { embedding, hit: false };
  }

  /** False with a size of 0 (EMBEDDING_CACHE_MB=0): nothing is kept. */
  get enabled(): boolean {
    return this.lru !== undefined;
  }

  /** Whether the key is cached or being computed (not counted as a lookup). */
  holds(key: string): boolean {
    return !!this.lru?.has(key) || this.inflight.has(key);
  }

  /** Keeps an embedding computed outside get() (background work), unless one is there already. */
  offer(key: string, embedding: Embedding): boolean {
    if (!this.lru || this.holds(key)) return false;
    this.lru.set(key, embedding);
    return true;
  }

  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }

  clear(): void {
    this.lru?.clear();
  }
}
