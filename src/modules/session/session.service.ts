// Tracking sessions: a video (or an image), a model, tracked objects and their prompts. The
// rules live here; rows are the repository's, model state the registry's, propagation its own.
import type { Config } from '../../config.js';
import { badInput, conflict } from '../../errors/app-errors.js';
import type { Engine } from '../../engine/index.js';
import type { FramePayload, JobSnapshot } from '../../events/topics.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import type { Connection } from '../common/connection.type.js';
import type { MediaService } from '../media/media.service.js';
import type { Media } from '../media/media.type.js';
import { frameToRows, rowsToFrames } from '../mask/mask.mapper.js';
import type { MaskRepository } from '../mask/mask.repository.js';
import type { FrameMasks } from '../mask/mask.type.js';
import { checkPhrase, detectOptions, toPixelPrompt } from '../segmentation/prompt-validation.js';
import type { LiveSession } from './live-session.js';
import type { LiveSessionRegistry } from './live-session.registry.js';
import type { PropagationService } from './propagation.service.js';
import type { AddPromptInput, AddTextPromptInput, ClearPromptsInput, FrameMasksArgs, PropagateInput, SessionListArgs } from './session.input.js';
import type { SessionRepository, SessionRow } from './session.repository.js';
import { SessionStatus } from './session.type.js';

/** A live session as the API shows it (plain data: in a fleet it crosses from the worker holding it). */
export interface LiveInfo {
  tracker: LiveSession['tracker']['kind'];
  memoryBytes: number;
  activeJobId: string | null;
}

export class SessionService {
  constructor(
    private readonly repo: SessionRepository,
    private readonly masks: MaskRepository,
    private readonly registry: LiveSessionRegistry,
    private readonly propagation: PropagationService,
    private readonly engine: Engine,
    private readonly media: MediaService,
    private readonly jobs: JobRunner,
    private readonly config: Pick<Config, 'models' | 'limits'>,
  ) {}

  // --- reading ---

  row(id: string): Promise<SessionRow> {
    return this.repo.get(id);
  }

  liveState(id: string): LiveSession | undefined {
    return this.registry.get(id);
  }

  /** The session's state in memory, as the API shows it; null when it is not live (here). */
  async liveInfo(id: string): Promise<LiveInfo | null> {
    const live = this.registry.get(id);
    return live ? { tracker: live.tracker.kind, memoryBytes: live.memoryBytes(), activeJobId: live.activeJobId } : null;
  }

  /** `within`: only sessions on media of these projects (a project-limited key), or null for all. */
  list(args: SessionListArgs, within: readonly string[] | null = null): Promise<Connection<SessionRow>> {
    return this.repo.list(args, within);
  }

  objects(sessionId: string) {
    return this.repo.objects(sessionId);
  }

  framesProcessed(sessionId: string): Promise<number> {
    return this.masks.framesStored(sessionId);
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
    const [rows, objectIds] = await Promise.all([this.masks.frameRange(session.id, args.fromFrame, to, args.objectIds), this.repo.objectIds(session.id, args.objectIds)]);
    // Every object of the session on each stored frame, null where it has no mask there.
    return rowsToFrames(rows, objectIds).slice(0, args.limit);
  }

  /**
   * A frame as stored, listing every object of the session (null where it has no mask): what a
   * prompt answers. Others' masks are their tracked results there, as SAM 2 answers a click.
   */
  private async storedFrame(sessionId: string, frameIndex: number): Promise<FrameMasks> {
    const [objectIds, rows] = await Promise.all([this.repo.objectIds(sessionId), this.masks.frameRange(sessionId, frameIndex, frameIndex)]);
    return rowsToFrames(rows, objectIds)[0] ?? { frameIndex, objects: objectIds.map((objectId) => ({ objectId, mask: null })) };
  }

  // --- lifecycle ---

  /** `ownerId`: the principal opening it, held to SESSION_MAX_OPEN_PER_KEY (null: not capped per key). */
  async start(mediaId: string, model?: string | null, ownerId: string | null = null): Promise<SessionRow> {
    const media = await this.media.get(mediaId);
    const modelName = model ?? this.config.models.defaultModel;
    await this.engine.model(modelName);
    this.registry.ensureCapacity(ownerId);
    const session = await this.repo.create({ mediaId: media.id, modelName, ownerId });
    try {
      await this.registry.ensureLive(session, true);
    } catch (err) {
      await this.repo.delete(session.id).catch(() => undefined);
      throw err;
    }
    return session;
  }

  /** Rebuilds a closed (or lost) session's model state from its stored prompts. */
  async reopen(id: string, ownerId: string | null = null): Promise<SessionRow> {
    const session = await this.row(id);
    const closed = session.status === SessionStatus.CLOSED;
    if (closed) {
      this.registry.ensureCapacity(ownerId);
      await this.repo.reopen(id, ownerId);
    }
    try {
      await this.registry.ensureLive(await this.row(id), closed);
    } catch (err) {
      // Over a fleet's cap: the session stays as it was, closed.
      if (closed) await this.repo.close(id, session.closeReason ?? 'closed').catch(() => undefined);
      throw err;
    }
    return this.row(id);
  }

  async close(id: string, reason = 'closed'): Promise<{ session: SessionRow; freedBytes: number }> {
    const session = await this.row(id);
    const live = this.registry.get(id);
    if (live?.activeJobId) await this.jobs.cancel(live.activeJobId);
    const freedBytes = await this.registry.drop(id);
    const updated = session.status === SessionStatus.CLOSED ? session : await this.repo.close(id, reason);
    return { session: updated, freedBytes };
  }

  /** An OPEN session ready for work: live, not busy propagating. */
  private async usable(id: string): Promise<{ session: SessionRow; live: LiveSession }> {
    const session = await this.row(id);
    const live = await this.registry.ensureLive(session);
    if (live.activeJobId) {
      throw conflict(`Session ${id} is propagating (job ${live.activeJobId})`, { hint: 'Wait for the job to end or cancel it (cancelJob).', retryable: true });
    }
    live.touch();
    await this.repo.touch(id);
    return { session, live };
  }

  // --- prompts and objects ---

  async addPrompt(input: AddPromptInput): Promise<{ session: SessionRow; objectId: number; frame: FrameMasks }> {
    const { session, live } = await this.usable(input.sessionId);
    live.checkFrame(input.frameIndex, 'input.frameIndex');
    const media = await this.media.get(session.mediaId);
    const prompt = toPixelPrompt(input, input.coordinates, media.width, media.height, { maxObjects: 1, maxPoints: this.config.limits.maxPointsPerObject }, 'input');
    if (input.objectId != null) await this.repo.requireObject(session.id, input.objectId);
    return live.exclusive(async () => {
      const created = input.objectId == null;
      const objectId = input.objectId ?? (await this.repo.allocateObjectId(session.id));
      try {
        const result = await live.tracker.addPrompt(input.frameIndex, objectId, prompt, input.clearExisting);
        await this.repo.storePrompt({
          sessionId: session.id,
          objectId,
          frameIndex: input.frameIndex,
          prompt,
          newObjectLabel: created ? (input.label ?? null) : undefined,
          replace: input.clearExisting,
          masks: this.rows(session.id, only(result, [objectId]), media),
        });
      } catch (err) {
        // Memory follows the database: a new object that could not be prompted or stored is not kept.
        if (created) live.tracker.removeObject(objectId);
        throw err;
      }
      return { session: await this.row(session.id), objectId, frame: await this.storedFrame(session.id, input.frameIndex) };
    });
  }

  /** A phrase on a frame: one new tracked object per instance the detector finds there. */
  async addTextPrompt(input: AddTextPromptInput): Promise<{ session: SessionRow; objectIds: number[]; frame: FrameMasks }> {
    const { session, live } = await this.usable(input.sessionId);
    live.checkFrame(input.frameIndex, 'input.frameIndex');
    const text = checkPhrase(input.text, 'input.text');
    const detect = detectOptions(input.detectionThreshold);
    const media = await this.media.get(session.mediaId);
    const model = await this.engine.model(session.modelName);
    const [found] = await this.engine.detect(model, live.video.frame(input.frameIndex), [text], detect);
    return live.exclusive(async () => {
      const objectIds: number[] = [];
      let result: FramePayload = { frameIndex: input.frameIndex, objects: [] };
      for (const d of found) {
        const objectId = await this.repo.allocateObjectId(session.id);
        result = await live.tracker.addPrompt(input.frameIndex, objectId, { points: [], box: d.box }, false);
        await this.repo.storeTextObject(session.id, objectId, input.frameIndex, d.box, text);
        objectIds.push(objectId);
      }
      if (found.length) await this.repo.storeMasks(this.rows(session.id, only(result, objectIds), media));
      return { session: await this.row(session.id), objectIds, frame: await this.storedFrame(session.id, input.frameIndex) };
    });
  }

  private rows(sessionId: string, frame: FramePayload, media: Media) {
    return frameToRows(sessionId, null, frame, media.width, media.height);
  }

  async clearPrompts(input: ClearPromptsInput): Promise<SessionRow> {
    const { session, live } = await this.usable(input.sessionId);
    if (input.frameIndex != null) live.checkFrame(input.frameIndex, 'input.frameIndex');
    if (input.objectId != null) await this.repo.requireObject(session.id, input.objectId);
    if (input.objectId == null && input.frameIndex == null) throw badInput('Give objectId, frameIndex, or both', { field: 'input' });
    const ids = input.objectId != null ? [input.objectId] : live.tracker.objectIds();
    await live.exclusive(async () => {
      for (const id of ids) live.tracker.clearPrompts(id, input.frameIndex ?? undefined);
      await this.repo.clearPrompts({ sessionId: session.id, ...(input.objectId != null ? { objectId: input.objectId } : {}), ...(input.frameIndex != null ? { frameIndex: input.frameIndex } : {}) });
    });
    return this.row(session.id);
  }

  async removeObject(sessionId: string, objectId: number): Promise<SessionRow> {
    const { session, live } = await this.usable(sessionId);
    await this.repo.requireObject(session.id, objectId);
    await live.exclusive(async () => {
      live.tracker.removeObject(objectId);
      await this.repo.removeObject(session.id, objectId);
    });
    return this.row(session.id);
  }

  /** Removes every object, prompt and mask (SAM 2's reset_state); the session stays open. */
  async reset(sessionId: string): Promise<SessionRow> {
    const { session, live } = await this.usable(sessionId);
    await live.exclusive(async () => {
      live.tracker.reset();
      await this.repo.reset(session.id);
    });
    return this.row(session.id);
  }

  // --- propagation ---

  async propagate(input: PropagateInput): Promise<JobSnapshot> {
    const { session, live } = await this.usable(input.sessionId);
    return this.propagation.start(session, live, input);
  }

  openCount(): number {
    return this.registry.size;
  }

  dispose(): Promise<void> {
    return this.registry.dispose();
  }
}

/** A frame result reduced to some objects (the ones a prompt changed). */
function only(frame: FramePayload, objectIds: number[]): FramePayload {
  return { frameIndex: frame.frameIndex, objects: frame.objects.filter((o) => objectIds.includes(o.objectId)) };
}
