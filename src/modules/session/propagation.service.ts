// Propagation of a session's prompts over its video: starting it as a job (plan and claim), the
// loop the job runs (tracker passes in plan order; a job taken over from a process that died
// resumes after the frames that process stored), and recording each frame (store, then publish).
// The one place that marks a live session busy with a job and frees it again.
import type { Logger } from 'pino';
import { badInput } from '../../errors/app-errors.js';
import type { Engine, FrameResult } from '../../engine/index.js';
import type { PubSub } from '../../events/pubsub.js';
import type { JobSnapshot } from '../../events/topics.js';
import type { JobProgress } from '../../jobs/job-handler.js';
import { isTerminal, type JobRunner } from '../../jobs/job-runner.js';
import type { MediaService } from '../media/media.service.js';
import type { Media } from '../media/media.type.js';
import { frameToRows, toFramePayload } from '../mask/mask.mapper.js';
import type { MaskRepository } from '../mask/mask.repository.js';
import type { LiveSession } from './live-session.js';
import type { LiveSessionRegistry } from './live-session.registry.js';
import { plannedFrameOrder, remainingPasses, type PropagationParams } from './propagation.plan.js';
import type { PropagateInput } from './session.input.js';
import type { SessionRepository, SessionRow } from './session.repository.js';

/** What a run got through: frames stored, counted as the job's framesDone (where it starts: what an earlier attempt stored). */
export interface RunState {
  framesDone: number;
}

export class PropagationService {
  constructor(
    private readonly repo: SessionRepository,
    private readonly masks: MaskRepository,
    private readonly registry: LiveSessionRegistry,
    private readonly engine: Engine,
    private readonly media: MediaService,
    private readonly jobs: JobRunner,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
  ) {
    jobs.onChange((job) => this.onJobChange(job));
  }

  /** Submits the job for a usable session (live, not busy): from the earliest prompted frame unless told. */
  async start(session: SessionRow, live: LiveSession, input: PropagateInput): Promise<JobSnapshot> {
    if (!live.tracker.hasPrompts()) throw badInput('The session has no prompts to propagate from', { field: 'input.sessionId', hint: 'Add a prompt first (addPrompt).' });
    const startFrame = input.startFrame ?? (await this.repo.firstPromptedFrame(session.id)) ?? 0;
    live.checkFrame(startFrame, 'input.startFrame');
    const params: PropagationParams = { direction: input.direction, startFrame, maxFrames: input.maxFrames ?? null };
    const framesTotal = plannedFrameOrder(live.totalFrames, params).length;
    const media = await this.media.get(session.mediaId);
    const model = await this.engine.model(session.modelName);
    const job = await this.jobs.submit({ kind: 'PROPAGATION', sessionId: session.id, projectId: media.projectId, params, framesTotal, device: model.device });
    this.claim(live, job.id);
    return job;
  }

  /**
   * The job's work: every planned frame through the tracker, each stored and published before the
   * next. With state.framesDone > 0 (the job was taken over: that many frames of the plan are
   * stored, framesDone is written with them) it resumes at the first frame not stored, after a
   * short warm-up that rebuilds the tracker's memory without storing or publishing anything.
   * Returns when done or aborted (state says how far it got); throws what the tracker throws.
   */
  async run(job: Pick<JobSnapshot, 'id' | 'sessionId'>, params: PropagationParams, signal: AbortSignal, progress: (p: JobProgress) => Promise<void>, state: RunState): Promise<void> {
    const session = await this.repo.get(job.sessionId!);
    const live = await this.registry.ensureLive(session);
    this.claim(live, job.id);
    live.propagatingHere = true;
    try {
      await this.loop(job, params, signal, progress, state, session, live);
    } finally {
      live.propagatingHere = false;
    }
  }

  private async loop(job: Pick<JobSnapshot, 'id'>, params: PropagationParams, signal: AbortSignal, progress: (p: JobProgress) => Promise<void>, state: RunState, session: SessionRow, live: LiveSession): Promise<void> {
    const media = await this.media.get(session.mediaId);
    const order = plannedFrameOrder(live.totalFrames, params);
    const resumed = state.framesDone > 0;
    if (resumed) this.log.info({ jobId: job.id, sessionId: session.id, framesStored: state.framesDone, resumeAt: order[state.framesDone] ?? null }, 'propagation resumed after the frames already stored');
    const direction = params.direction.toLowerCase();
    await progress({
      framesDone: state.framesDone,
      message: resumed ? `resuming ${direction} at frame ${order[state.framesDone] ?? '-'} (${state.framesDone} frames stored before)` : `propagating ${direction} from frame ${params.startFrame}`,
    });
    // Frame t is stored and published while the tracker computes frame t+1 (one write in flight,
    // writes in frame order): the database's time hides behind the model's.
    const writer = new FrameWriter();
    try {
      for (const { pass, warmup } of remainingPasses(live.totalFrames, params, state.framesDone)) {
        let k = 0;
        for await (const frame of live.tracker.propagate({ ...pass, signal })) {
          if (signal.aborted) return;
          if (k++ < warmup) continue; // stored by an earlier attempt: it only rebuilds the tracker's memory
          await writer.next(async () => {
            await this.recordFrame(session.id, job.id, frame, media, state.framesDone + 1);
            live.touch();
            state.framesDone++;
            await progress({ framesDone: state.framesDone, message: `frame ${frame.frameIndex}` });
          });
        }
        if (signal.aborted) return;
      }
    } finally {
      await writer.drain();
    }
  }

  /**
   * Stores a propagated frame (replacing what the frame held, the job's framesDone with it) and
   * publishes it, in that order: a reader never misses a frame, and reads what was published.
   */
  async recordFrame(sessionId: string, jobId: string, frame: FrameResult, media: Media, framesDone: number): Promise<void> {
    const payload = toFramePayload(frame);
    await this.masks.replaceFrame(sessionId, frame.frameIndex, frameToRows(sessionId, jobId, payload, media.width, media.height), { id: jobId, framesDone });
    this.pubsub.publish('session:events', sessionId, { kind: 'FRAME', sessionId, jobId, frame: payload });
  }

  /** Marks the session busy with the job: prompts are refused and it is not closed as idle. */
  private claim(live: LiveSession, jobId: string): void {
    live.activeJobId = jobId;
  }

  /** The session's job has ended (here, or on another worker of a fleet): it is no longer busy. */
  release(sessionId: string, jobId: string): void {
    const live = this.registry.get(sessionId);
    if (live?.activeJobId === jobId) {
      live.activeJobId = null;
      live.touch();
    }
  }

  private onJobChange(job: JobSnapshot): void {
    if (job.kind !== 'PROPAGATION' || !job.sessionId || !isTerminal(job.status)) return;
    this.release(job.sessionId, job.id);
    this.pubsub.publish('session:events', job.sessionId, { kind: job.status as 'COMPLETED' | 'FAILED' | 'CANCELLED', sessionId: job.sessionId, jobId: job.id, job });
  }
}

/**
 * Runs writes one at a time, in order, each started without waiting for it to end; next() waits
 * for the one before (so at most one is in flight) and rethrows a failed one.
 */
class FrameWriter {
  private last: Promise<void> = Promise.resolve();
  private failure: { err: unknown } | undefined;

  async next(write: () => Promise<void>): Promise<void> {
    await this.drain();
    this.last = write().catch((err: unknown) => void (this.failure = { err }));
  }

  /** Waits for the write in flight; throws what a write threw. */
  async drain(): Promise<void> {
    await this.last;
    if (this.failure) throw this.failure.err;
  }
}
