// The live sessions of this process: their model state in memory, capped in number (overall and
// per key), closed after SESSION_IDLE_TTL_SEC without activity, and rebuilt from their stored
// prompts when asked for and not in memory (a restart, an idle close, a reopen).
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { conflict, exhausted } from '../../errors/app-errors.js';
import { type Engine, openTracker } from '../../engine/index.js';
import type { MediaService } from '../media/media.service.js';
import { LiveSession } from './live-session.js';
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
  ) {
    this.sweeper = setInterval(() => void this.sweep(), Math.min(60_000, Math.max(250, config.idleTtlMs / 4)));
    this.sweeper.unref();
  }

  get(id: string): LiveSession | undefined {
    return this.live.get(id);
  }

  get size(): number {
    return this.live.size;
  }

  /** Throws RESOURCE_EXHAUSTED when one more session (of this owner) would pass a cap. */
  ensureCapacity(ownerId: string | null = null): void {
    if (this.live.size + this.opening.size >= this.config.maxOpen) {
      throw exhausted(`At most ${this.config.maxOpen} sessions can be open at once`, {
        hint: 'Close a session (closeSession) or raise SESSION_MAX_OPEN.',
      });
    }
    if (ownerId && [...this.live.values()].filter((l) => l.ownerId === ownerId).length >= this.config.maxOpenPerKey) {
      throw exhausted(`At most ${this.config.maxOpenPerKey} sessions can be open at once per key`, {
        hint: 'Close one of your sessions (closeSession) or raise SESSION_MAX_OPEN_PER_KEY.',
      });
    }
  }

  /** The live state of an OPEN session, rebuilt (prompts replayed) when it is not in memory. */
  async ensureLive(session: SessionRow): Promise<LiveSession> {
    if (session.status === SessionStatus.CLOSED) {
      throw conflict(`Session ${session.id} is closed`, { hint: 'Reopen it with reopenSession; its prompts and masks are kept.' });
    }
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

  /** Frees a session's model state; the bytes it held (0 when it was not live). */
  async drop(id: string): Promise<number> {
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
    for (const id of [...this.live.keys()]) await this.drop(id);
  }
}
