// The live sessions of this process: their model state in memory, capped in number (overall and
// per key), closed after SESSION_IDLE_TTL_SEC without activity, and rebuilt from their stored
// prompts when asked for and not in memory (a restart, an idle close, a reopen). In a fleet each
// live session is leased (session-leases.ts): claimed on every use, renewed while held, dropped
// here when another process took it, and the caps are counted across the fleet.
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { conflict, exhausted } from '../../errors/app-errors.js';
import { type Engine, openTracker } from '../../engine/index.js';
import type { MediaService } from '../media/media.service.js';
import { LiveSession } from './live-session.js';
import type { SessionLeases } from './session-leases.js';
import type { SessionRepository, SessionRow } from './session.repository.js';
import { SessionStatus } from './session.type.js';

export class LiveSessionRegistry {
  private readonly live = new Map<string, LiveSession>();
  private readonly opening = new Map<string, Promise<LiveSession>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly repo: SessionRepository,
    private readonly engine: Engine,
    private readonly media: MediaService,
    private readonly config: Config['sessions'],
    private readonly log: Logger,
    /** Closes an idle session for good (the service's close: it updates the row too). */
    private readonly closeIdle: (id: string) => Promise<unknown>,
    /** A fleet's worker: the leases, renewed every `renewMs`. */
    private readonly leases?: { store: SessionLeases; renewMs: number },
  ) {
    this.sweeper = setInterval(() => void this.sweep(), Math.min(60_000, Math.max(250, config.idleTtlMs / 4)));
    this.sweeper.unref();
    if (leases) {
      this.renewer = setInterval(() => void this.renew().catch((err) => log.warn({ err }, 'session lease renewal failed')), leases.renewMs);
      this.renewer.unref();
    }
  }

  private readonly renewer: NodeJS.Timeout | undefined;

  get(id: string): LiveSession | undefined {
    return this.live.get(id);
  }

  get size(): number {
    return this.live.size;
  }

  /** Throws RESOURCE_EXHAUSTED when one more session (of this owner) would pass a cap. */
  // In a fleet the caps are counted across it when a session is claimed (ensureLive's `opening`).
  ensureCapacity(ownerId: string | null = null): void {
    if (this.leases) return;
    if (this.live.size + this.opening.size >= this.config.maxOpen) throw this.overCap();
    if (ownerId && [...this.live.values()].filter((l) => l.ownerId === ownerId).length >= this.config.maxOpenPerKey) throw this.overCapPerKey();
  }

  private overCap() {
    return exhausted(`At most ${this.config.maxOpen} sessions can be open at once`, { hint: 'Close a session (closeSession) or raise SESSION_MAX_OPEN.' });
  }

  private overCapPerKey() {
    return exhausted(`At most ${this.config.maxOpenPerKey} sessions can be open at once per key`, { hint: 'Close one of your sessions (closeSession) or raise SESSION_MAX_OPEN_PER_KEY.' });
  }

  /**
   * The live state of an OPEN session, rebuilt (prompts replayed) when it is not in memory.
   * `opening`: the session is being opened (started, or reopened after a close) and counts
   * against the caps; in a fleet they are checked here.
   */
  async ensureLive(session: SessionRow, opening = false): Promise<LiveSession> {
    if (session.status === SessionStatus.CLOSED) {
      throw conflict(`Session ${session.id} is closed`, { hint: 'Reopen it with reopenSession; its prompts and masks are kept.' });
    }
    if (this.leases) await this.claim(session, opening);
    const existing = this.live.get(session.id);
    if (existing) return existing;
    let pending = this.opening.get(session.id);
    if (!pending) {
      this.ensureCapacity();
      pending = this.build(session).finally(() => this.opening.delete(session.id));
      this.opening.set(session.id, pending);
    }
    return pending;
  }

  private async build(session: SessionRow): Promise<LiveSession> {
    const media = await this.media.get(session.mediaId);
    const model = await this.engine.model(session.modelName);
    const { source, store } = this.media.frameSource(media, session.id);
    const tracker = openTracker(this.engine, model, source, this.config.frameCacheBytes);
    const live = new LiveSession(session.id, session.modelName, tracker, source, store, session.ownerId);
    try {
      const prompts = await this.repo.prompts(session.id);
      for (const p of prompts) await tracker.addPrompt(p.frameIndex, p.objectId, p.prompt, false);
      if (prompts.length) this.log.info({ sessionId: session.id, prompts: prompts.length }, 'session rebuilt from its prompts');
    } catch (err) {
      await live.dispose();
      throw err;
    }
    this.live.set(session.id, live);
    return live;
  }

  /** Takes the lease; a copy held here that another process changed since is dropped (rebuilt next). */
  private async claim(session: SessionRow, opening: boolean): Promise<void> {
    const claim = await this.leases!.store.claim(session.id, session.ownerId, opening ? this.config : undefined);
    if (claim === 'over-cap') throw this.overCap();
    if (claim === 'over-cap-per-key') throw this.overCapPerKey();
    if (claim === 'taken' && this.live.has(session.id)) {
      this.log.info({ sessionId: session.id }, 'session was held by another process: rebuilding it here');
      await this.discard(session.id);
    }
  }

  // Renews the leases held; a session another process took is dropped here (not closed: it lives
  // there), unless its propagation runs here, which keeps it (the job's process owns the session).
  private async renew(): Promise<void> {
    const held = [...this.live.values()];
    if (!held.length) return;
    for (const id of await this.leases!.store.renew(held.map((l) => ({ id: l.id, ownerId: l.ownerId })))) {
      const live = this.live.get(id);
      if (live?.propagatingHere) await this.leases!.store.claim(id, live.ownerId);
      else if (live) {
        this.log.info({ sessionId: id }, 'session taken by another process: dropping the copy held here');
        await this.discard(id);
      }
    }
  }

  /** Frees a session's model state (and its lease); the bytes it held (0 when it was not live). */
  async drop(id: string): Promise<number> {
    const live = this.live.get(id);
    if (!live) return 0;
    await this.leases?.store.release(id, live.ownerId).catch((err) => this.log.warn({ err, sessionId: id }, 'session lease release failed (it lapses by itself)'));
    return this.discard(id);
  }

  private async discard(id: string): Promise<number> {
    const live = this.live.get(id);
    if (!live) return 0;
    this.live.delete(id);
    return live.dispose();
  }

  /** Closes sessions idle longer than the TTL, except those propagating; their ids. */
  async sweep(now = Date.now()): Promise<string[]> {
    const cutoff = now - this.config.idleTtlMs;
    const closed: string[] = [];
    for (const live of [...this.live.values()]) {
      if (live.lastActivity < cutoff && !live.activeJobId) {
        this.log.info({ sessionId: live.id }, 'closing idle session');
        await this.closeIdle(live.id).then(
          () => closed.push(live.id),
          (err) => this.log.error({ err }, 'idle close failed'),
        );
      }
    }
    return closed;
  }

  async dispose(): Promise<void> {
    clearInterval(this.sweeper);
    clearInterval(this.renewer);
    for (const id of [...this.live.keys()]) await this.drop(id);
  }
}
