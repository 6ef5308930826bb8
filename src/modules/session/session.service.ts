// Tracking sessions: a video (or an image), a model, tracked objects and their prompts. Prompts
// and masks are persisted; the model state lives in memory while the session is live, and is
// rebuilt by replaying the prompts when it was lost (restart, idle TTL, reopen).
// (Over 300 lines until it is split into a repository, the live-session registry, propagation
// and a thin service: issue 12, item 3, still open.)
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Prisma } from '../../db/database.js';
import { badInput, conflict, exhausted, notFound } from '../../errors/app-errors.js';
import { type Engine, type ObjectPrompt, openTracker, framePlan, type FrameResult, type PropagateOptions } from '../../engine/index.js';
import type { PubSub } from '../../events/pubsub.js';
import type { FramePayload, JobSnapshot } from '../../events/topics.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import { isTerminal } from '../../jobs/job-runner.js';
import type { Connection } from '../common/connection.type.js';
import { isUuid } from '../common/ids.js';
import { cursorWhere, emptyConnection, pageOrder, pageTake, toConnection } from '../common/pagination.js';
import type { MediaService } from '../media/media.service.js';
import type { Media } from '../media/media.type.js';
import { checkPhrase, detectOptions, toPixelPrompt } from '../segmentation/prompt-validation.js';
import { replaceFrame, upsertFrameMasks } from './frame-mask-upsert.js';
import { LiveSession } from './live-session.js';
import { rowsToFrames, toFrameMasks, toFramePayload, toRows } from './mask-rows.js';
import type { AddPromptInput, AddTextPromptInput, ClearPromptsInput, FrameMasksArgs, PropagateInput, SessionListArgs } from './session.input.js';
import { PropagationDirection, SessionStatus, type FrameMasks } from './session.type.js';

/** Frames are kept on disk at most this large (the model input is 1024 anyway). */

export type SessionRow = Awaited<ReturnType<Prisma['session']['findUniqueOrThrow']>>;

export interface PropagationParams {
  direction: PropagationDirection;
  startFrame: number;
  maxFrames: number | null;
}

export class SessionService {
  private readonly live = new Map<string, LiveSession>();
  private readonly opening = new Map<string, Promise<LiveSession>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly prisma: Prisma,
    private readonly engine: Engine,
    private readonly media: MediaService,
    private readonly jobs: JobRunner,
    private readonly pubsub: PubSub,
    private readonly config: Pick<Config, 'sessions' | 'dataDir' | 'models' | 'limits'>,
    private readonly log: Logger,
  ) {
    this.sweeper = setInterval(() => void this.closeIdle(), Math.min(60_000, Math.max(250, config.sessions.idleTtlMs / 4)));
    this.sweeper.unref();
    jobs.onChange((job) => this.onJobChange(job));
  }

  // --- reading ---

  async row(id: string): Promise<SessionRow> {
    const s = isUuid(id) ? await this.prisma.session.findUnique({ where: { id } }) : null;
    if (!s) throw notFound('Session', id);
    return s;
  }

  liveState(id: string): LiveSession | undefined {
    return this.live.get(id);
  }

  /** `within`: only sessions on media of these projects (a project-limited key), or null for all. */
  async list(args: SessionListArgs, within: readonly string[] | null = null): Promise<Connection<SessionRow>> {
    if (args.mediaId != null && !isUuid(args.mediaId)) return emptyConnection();
    const where = {
      ...(args.status ? { status: args.status } : {}),
      ...(args.mediaId ? { mediaId: args.mediaId } : {}),
      ...(within ? { media: { projectId: { in: [...within] } } } : {}),
    };
    const [rows, total] = await Promise.all([
      this.prisma.session.findMany({ where: { ...where, ...cursorWhere(args) }, orderBy: pageOrder(args), take: pageTake(args) }),
      this.prisma.session.count({ where }),
    ]);
    return toConnection(rows, args, total);
  }

  async objects(sessionId: string) {
    const [objects, prompts] = await Promise.all([
      this.prisma.trackedObject.findMany({ where: { sessionId }, orderBy: { objectId: 'asc' } }),
      this.prisma.prompt.findMany({ where: { sessionId }, select: { objectId: true, frameIndex: true } }),
    ]);
    return objects.map((o) => ({
      objectId: o.objectId,
      label: o.label,
      promptedFrames: [...new Set(prompts.filter((p) => p.objectId === o.objectId).map((p) => p.frameIndex))].sort((a, b) => a - b),
    }));
  }

  async framesProcessed(sessionId: string): Promise<number> {
    const frames = await this.prisma.frameMask.groupBy({ by: ['frameIndex'], where: { sessionId } });
    return frames.length;
  }

  async totalFrames(session: SessionRow): Promise<number> {
    const media = await this.media.get(session.mediaId);
    return media.frameCount ?? 1;
  }

  async frameMasks(args: FrameMasksArgs): Promise<FrameMasks[]> {
    const session = await this.row(args.sessionId);
    const total = await this.totalFrames(session);
    const to = args.toFrame ?? total - 1;
    if (args.fromFrame > to && to >= 0) throw badInput(`Frame range ${args.fromFrame}..${to} is reversed: fromFrame must not be after toFrame`, { field: 'fromFrame' });
    if (args.fromFrame < 0 || to >= total || args.fromFrame > to) {
      throw badInput(`Frame range ${args.fromFrame}..${to} is outside 0..${total - 1}`, { field: 'fromFrame' });
    }
    const only = args.objectIds?.length ? { objectId: { in: args.objectIds } } : {};
    const [frames, objects] = await Promise.all([
      this.prisma.frameMask.findMany({
        where: { sessionId: session.id, frameIndex: { gte: args.fromFrame, lte: to }, ...only },
        orderBy: [{ frameIndex: 'asc' }, { objectId: 'asc' }],
      }),
      this.prisma.trackedObject.findMany({ where: { sessionId: session.id, ...only }, select: { objectId: true } }),
    ]);
    // Every object of the session on each stored frame, null where it has no mask there.
    return rowsToFrames(frames, objects.map((o) => o.objectId)).slice(0, args.limit);
  }

  // --- lifecycle ---

  /** `ownerId`: the principal opening it, held to SESSION_MAX_OPEN_PER_KEY (null: not capped per key). */
  async start(mediaId: string, model?: string | null, ownerId: string | null = null): Promise<SessionRow> {
    const media = await this.media.get(mediaId);
    const modelName = model ?? this.config.models.defaultModel;
    await this.engine.model(modelName);
    this.ensureCapacity(ownerId);
    const session = await this.prisma.session.create({ data: { mediaId: media.id, modelName, ownerId } });
    try {
      await this.ensureLive(session);
    } catch (err) {
      await this.prisma.session.delete({ where: { id: session.id } }).catch(() => undefined);
      throw err;
    }
    return session;
  }

  /** Rebuilds a closed (or lost) session's model state from its stored prompts. */
  async reopen(id: string, ownerId: string | null = null): Promise<SessionRow> {
    const session = await this.row(id);
    if (session.status === SessionStatus.CLOSED) {
      this.ensureCapacity(ownerId);
      await this.prisma.session.update({ where: { id }, data: { status: 'OPEN', closedAt: null, closeReason: null, lastActivityAt: new Date(), ...(ownerId ? { ownerId } : {}) } });
    }
    await this.ensureLive(await this.row(id));
    return this.row(id);
  }

  async close(id: string, reason = 'closed'): Promise<{ session: SessionRow; freedBytes: number }> {
    const session = await this.row(id);
    const live = this.live.get(id);
    if (live?.activeJobId) await this.jobs.cancel(live.activeJobId);
    const freedBytes = await this.dropLive(id);
    const updated =
      session.status === SessionStatus.CLOSED
        ? session
        : await this.prisma.session.update({ where: { id }, data: { status: 'CLOSED', closedAt: new Date(), closeReason: reason } });
    return { session: updated, freedBytes };
  }

  private ensureCapacity(ownerId: string | null = null): void {
    if (this.live.size + this.opening.size >= this.config.sessions.maxOpen) {
      throw exhausted(`At most ${this.config.sessions.maxOpen} sessions can be open at once`, {
        hint: 'Close a session (closeSession) or raise SESSION_MAX_OPEN.',
      });
    }
    if (ownerId && [...this.live.values()].filter((l) => l.ownerId === ownerId).length >= this.config.sessions.maxOpenPerKey) {
      throw exhausted(`At most ${this.config.sessions.maxOpenPerKey} sessions can be open at once per key`, {
        hint: 'Close one of your sessions (closeSession) or raise SESSION_MAX_OPEN_PER_KEY.',
      });
    }
  }

  private async dropLive(id: string): Promise<number> {
    const live = this.live.get(id);
    if (!live) return 0;
    this.live.delete(id);
    return live.dispose();
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
    const { source, store } = this.media.frameSource(media, path.join(this.config.dataDir, 'frames', session.id));
    const tracker = openTracker(this.engine, model, source, this.config.sessions.frameCacheBytes);
    const live = new LiveSession(session.id, session.modelName, tracker, source, store, session.ownerId);
    try {
      const prompts = await this.prisma.prompt.findMany({ where: { sessionId: session.id }, orderBy: { seq: 'asc' } });
      for (const p of prompts) {
        await tracker.addPrompt(p.frameIndex, p.objectId, { points: (p.points as ObjectPrompt['points']) ?? [], box: (p.box as ObjectPrompt['box']) ?? undefined }, false);
      }
      if (prompts.length) this.log.info({ sessionId: session.id, prompts: prompts.length }, 'session rebuilt from its prompts');
    } catch (err) {
      await live.dispose();
      throw err;
    }
    this.live.set(session.id, live);
    return live;
  }

  private async closeIdle(): Promise<void> {
    const cutoff = Date.now() - this.config.sessions.idleTtlMs;
    for (const live of [...this.live.values()]) {
      if (live.lastActivity < cutoff && !live.activeJobId) {
        this.log.info({ sessionId: live.id }, 'closing idle session');
        await this.close(live.id, 'idle').catch((err) => this.log.error({ err }, 'idle close failed'));
      }
    }
  }

  /** An OPEN session ready for work: live, not busy propagating. */
  private async usable(id: string): Promise<{ session: SessionRow; live: LiveSession }> {
    const session = await this.row(id);
    const live = await this.ensureLive(session);
    if (live.activeJobId) {
      throw conflict(`Session ${id} is propagating (job ${live.activeJobId})`, { hint: 'Wait for the job to end or cancel it (cancelJob).', retryable: true });
    }
    live.touch();
    await this.prisma.session.update({ where: { id }, data: { lastActivityAt: new Date() } });
    return { session, live };
  }

  private checkFrame(frameIndex: number, live: LiveSession, field: string): void {
    if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= live.totalFrames) {
      throw badInput(`${field} ${frameIndex} is outside the video (0..${live.totalFrames - 1})`, { field });
    }
  }

  private async requireObject(sessionId: string, objectId: number): Promise<void> {
    const o = await this.prisma.trackedObject.findUnique({ where: { sessionId_objectId: { sessionId, objectId } } });
    if (!o) throw notFound(`Object ${objectId} of session`, sessionId);
  }

  // --- prompts and objects ---

  async addPrompt(input: AddPromptInput): Promise<{ session: SessionRow; objectId: number; frame: FrameMasks }> {
    const { session, live } = await this.usable(input.sessionId);
    this.checkFrame(input.frameIndex, live, 'input.frameIndex');
    const media = await this.media.get(session.mediaId);
    const prompt = toPixelPrompt(input, input.coordinates, media.width, media.height, {
      maxObjects: 1,
      maxPoints: this.config.limits.maxPointsPerObject,
    }, 'input');
    if (input.objectId != null) await this.requireObject(session.id, input.objectId);
    return live.exclusive(async () => {
      let objectId = input.objectId ?? 0;
      let created = false;
      if (input.objectId == null) {
        const s = await this.prisma.session.update({ where: { id: session.id }, data: { nextObjectId: { increment: 1 } } });
        objectId = s.nextObjectId - 1;
        created = true;
      }
      let result;
      try {
        result = await live.tracker.addPrompt(input.frameIndex, objectId, prompt, input.clearExisting);
      } catch (err) {
        if (created) live.tracker.removeObject(objectId);
        throw err;
      }
      try {
        await this.prisma.$transaction([
          ...(created ? [this.prisma.trackedObject.create({ data: { sessionId: session.id, objectId, label: input.label ?? null } })] : []),
          ...(input.clearExisting ? [this.prisma.prompt.deleteMany({ where: { sessionId: session.id, objectId, frameIndex: input.frameIndex } })] : []),
          this.prisma.prompt.create({ data: { sessionId: session.id, objectId, frameIndex: input.frameIndex, points: prompt.points, box: prompt.box ?? undefined } }),
          ...this.upserts(session.id, null, only(result, [objectId]), media),
        ]);
      } catch (err) {
        // Memory follows the database: a new object that could not be stored is not kept.
        if (created) live.tracker.removeObject(objectId);
        throw err;
      }
      return { session: await this.row(session.id), objectId, frame: await this.storedFrame(session.id, input.frameIndex) };
    });
  }

  /** A phrase on a frame: one new tracked object per instance the detector finds there. */
  async addTextPrompt(input: AddTextPromptInput): Promise<{ session: SessionRow; objectIds: number[]; frame: FrameMasks }> {
    const { session, live } = await this.usable(input.sessionId);
    this.checkFrame(input.frameIndex, live, 'input.frameIndex');
    const text = checkPhrase(input.text, 'input.text');
    const detect = detectOptions(input.detectionThreshold);
    const media = await this.media.get(session.mediaId);
    const model = await this.engine.model(session.modelName);
    const [found] = await this.engine
      .detect(model, live.video.frame(input.frameIndex), [text], detect);
    return live.exclusive(async () => {
      const objectIds: number[] = [];
      let result = { frameIndex: input.frameIndex, objects: [] } as Parameters<typeof toFrameMasks>[0];
      for (const d of found) {
        const s = await this.prisma.session.update({ where: { id: session.id }, data: { nextObjectId: { increment: 1 } } });
        const objectId = s.nextObjectId - 1;
        const prompt = { points: [], box: d.box };
        result = await live.tracker.addPrompt(input.frameIndex, objectId, prompt, false);
        await this.prisma.$transaction([
          this.prisma.trackedObject.create({ data: { sessionId: session.id, objectId, label: text } }),
          this.prisma.prompt.create({ data: { sessionId: session.id, objectId, frameIndex: input.frameIndex, points: [], box: d.box, text } }),
        ]);
        objectIds.push(objectId);
      }
      if (found.length) await this.prisma.$transaction(this.upserts(session.id, null, only(result, objectIds), media));
      return { session: await this.row(session.id), objectIds, frame: await this.storedFrame(session.id, input.frameIndex) };
    });
  }

  /**
   * A frame as stored, listing every object of the session (null where it has no mask): what a
   * prompt answers. Others' masks are their tracked results there, as SAM 2 answers a click.
   */
  private async storedFrame(sessionId: string, frameIndex: number): Promise<FrameMasks> {
    const [objects, rows] = await Promise.all([
      this.prisma.trackedObject.findMany({ where: { sessionId }, select: { objectId: true } }),
      this.prisma.frameMask.findMany({ where: { sessionId, frameIndex } }),
    ]);
    return rowsToFrames(rows, objects.map((o) => o.objectId))[0] ?? { frameIndex, objects: objects.map((o) => ({ objectId: o.objectId, mask: null })).sort((a, b) => a.objectId - b.objectId) };
  }

  private upserts(sessionId: string, jobId: string | null, frame: Parameters<typeof toRows>[2], media: Media) {
    return upsertFrameMasks(this.prisma, toRows(sessionId, jobId, frame, media.width, media.height));
  }

  async clearPrompts(input: ClearPromptsInput): Promise<SessionRow> {
    const { session, live } = await this.usable(input.sessionId);
    if (input.frameIndex != null) this.checkFrame(input.frameIndex, live, 'input.frameIndex');
    if (input.objectId != null) await this.requireObject(session.id, input.objectId);
    if (input.objectId == null && input.frameIndex == null) throw badInput('Give objectId, frameIndex, or both', { field: 'input' });
    const ids = input.objectId != null ? [input.objectId] : live.tracker.objectIds();
    await live.exclusive(async () => {
      for (const id of ids) live.tracker.clearPrompts(id, input.frameIndex ?? undefined);
      const where = { sessionId: session.id, ...(input.objectId != null ? { objectId: input.objectId } : {}), ...(input.frameIndex != null ? { frameIndex: input.frameIndex } : {}) };
      await this.prisma.$transaction([this.prisma.prompt.deleteMany({ where }), this.prisma.frameMask.deleteMany({ where })]);
    });
    return this.row(session.id);
  }

  async removeObject(sessionId: string, objectId: number): Promise<SessionRow> {
    const { session, live } = await this.usable(sessionId);
    await this.requireObject(session.id, objectId);
    await live.exclusive(async () => {
      live.tracker.removeObject(objectId);
      const where = { sessionId: session.id, objectId };
      await this.prisma.$transaction([
        this.prisma.prompt.deleteMany({ where }),
        this.prisma.frameMask.deleteMany({ where }),
        this.prisma.trackedObject.deleteMany({ where }),
      ]);
    });
    return this.row(session.id);
  }

  /** Removes every object, prompt and mask (SAM 2's reset_state); the session stays open. */
  async reset(sessionId: string): Promise<SessionRow> {
    const { session, live } = await this.usable(sessionId);
    await live.exclusive(async () => {
      live.tracker.reset();
      const where = { sessionId: session.id };
      await this.prisma.$transaction([
        this.prisma.prompt.deleteMany({ where }),
        this.prisma.frameMask.deleteMany({ where }),
        this.prisma.trackedObject.deleteMany({ where }),
        this.prisma.session.update({ where: { id: session.id }, data: { nextObjectId: 1 } }),
      ]);
    });
    return this.row(session.id);
  }

  // --- propagation ---

  async propagate(input: PropagateInput): Promise<JobSnapshot> {
    const { session, live } = await this.usable(input.sessionId);
    if (!live.tracker.hasPrompts()) throw badInput('The session has no prompts to propagate from', { field: 'input.sessionId', hint: 'Add a prompt first (addPrompt).' });
    const prompted = await this.prisma.prompt.aggregate({ where: { sessionId: session.id }, _min: { frameIndex: true } });
    const startFrame = input.startFrame ?? prompted._min.frameIndex ?? 0;
    this.checkFrame(startFrame, live, 'input.startFrame');
    const params: PropagationParams = { direction: input.direction, startFrame, maxFrames: input.maxFrames ?? null };
    const framesTotal = plannedFrameOrder(live.totalFrames, params).length;
    const media = await this.media.get(session.mediaId);
    const model = await this.engine.model(session.modelName);
    const job = await this.jobs.submit({ kind: 'PROPAGATION', sessionId: session.id, projectId: media.projectId, params, framesTotal, device: model.device });
    live.activeJobId = job.id;
    return job;
  }

  private onJobChange(job: JobSnapshot): void {
    if (job.kind !== 'PROPAGATION' || !job.sessionId || !isTerminal(job.status)) return;
    const live = this.live.get(job.sessionId);
    if (live?.activeJobId === job.id) {
      live.activeJobId = null;
      live.touch();
    }
    this.pubsub.publish('session:events', job.sessionId, { kind: job.status as 'COMPLETED' | 'FAILED' | 'CANCELLED', sessionId: job.sessionId, jobId: job.id, job });
  }

  /**
   * Stores a propagated frame (replacing what the frame held, the job's framesDone with it) and
   * publishes it, in that order: a reader never misses a frame, and reads what was published.
   */
  async recordFrame(sessionId: string, jobId: string, frame: FrameResult, media: Media, framesDone: number): Promise<void> {
    // One statement, atomic by itself: no transaction around it.
    await replaceFrame(this.prisma, sessionId, frame.frameIndex, toRows(sessionId, jobId, frame, media.width, media.height), { id: jobId, framesDone });
    this.pubsub.publish('session:events', sessionId, { kind: 'FRAME', sessionId, jobId, frame: toFramePayload(frame) });
  }

  mediaOf(session: SessionRow): Promise<Media> {
    return this.media.get(session.mediaId);
  }

  openCount(): number {
    return this.live.size;
  }

  async dispose(): Promise<void> {
    clearInterval(this.sweeper);
    for (const id of [...this.live.keys()]) await this.dropLive(id);
  }
}

/** A frame result reduced to some objects (the ones a prompt changed). */
function only(frame: FramePayload, objectIds: number[]): FramePayload {
  return { frameIndex: frame.frameIndex, objects: frame.objects.filter((o) => objectIds.includes(o.objectId)) };
}

/** The frames a propagation visits, in order: BOTH is forward from start, then backward from start - 1. */
export function propagationPlan(p: PropagationParams): PropagateOptions[] {
  const max = p.maxFrames ?? undefined;
  switch (p.direction) {
    case PropagationDirection.FORWARD:
      return [{ direction: 'forward', start: p.startFrame, maxFrames: max }];
    case PropagationDirection.BACKWARD:
      return [{ direction: 'backward', start: p.startFrame, maxFrames: max }];
    case PropagationDirection.BOTH:
      return [
        { direction: 'forward', start: p.startFrame, maxFrames: max },
        ...(p.startFrame > 0 ? [{ direction: 'backward' as const, start: p.startFrame - 1, maxFrames: max }] : []),
      ];
  }
}

/** Every frame a propagation visits, in processing order. */
export function plannedFrameOrder(totalFrames: number, p: PropagationParams): number[] {
  return propagationPlan(p).flatMap((pass) => framePlan(totalFrames, pass));
}

