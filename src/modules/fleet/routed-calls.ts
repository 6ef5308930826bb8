// The interactive calls an api process (ROLE=api) hands to a worker, cut at the service level:
// on the api, SegmentationService and SessionService are facades whose engine-bound methods send
// their arguments to a worker; the worker runs the very same service method (validation, media
// lookup, the engine at interactive priority) and sends back its payload or its coded error.
// Why here and not at the engine boundary: the services hold the domain rules (prompt checks,
// coordinates, caps) and the engine's inputs carry closures (an ImageSource reads pixels from
// disk) and live state (a session's tracker), which do not cross a process boundary; a payload
// does. Resolvers stay as they are, and every rule stays in one place, run once, on the worker.
// The key a call is routed by is its media (or the hash of an inline image): repeated clicks on
// one image, and every new session on one video, go to the worker whose caches hold it. A session
// call goes to the worker holding the session's lease (session-leases.ts) while it lives; the
// media's worker takes over (and rebuilds the session) when it does not.
import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { AppError, isErrorCode } from '../../errors/app-errors.js';
import type { FleetCaller, WireError } from '../../fleet/fleet-calls.js';
import { NoWorkerError } from '../../fleet/fleet-calls.js';
import { toClientError } from '../common/client-errors.js';
import type { ProjectService } from '../project/project.service.js';
import { isTerminal, type JobRunner } from '../../jobs/job-runner.js';
import type { JobService } from '../job/job.service.js';
import type { MediaPreencoder } from '../media/media.preencode.js';
import type { MediaService } from '../media/media.service.js';
import type { SegmentationService } from '../segmentation/segmentation.service.js';
import type { PropagationService } from '../session/propagation.service.js';
import type { SessionService } from '../session/session.service.js';
import type { SessionLeases } from '../session/session-leases.js';
import type { ModelService } from '../model/model.service.js';

interface Local {
  segmentation: SegmentationService;
  sessions: SessionService;
  propagation: PropagationService;
  runner: JobRunner;
  projects: ProjectService;
  jobs: JobService;
  models: ModelService;
  media: MediaService;
  /** Background encoding of stored images, where PREENCODE_IMAGES is on. */
  preencoder?: MediaPreencoder;
}

type Handler = (...args: never[]) => Promise<unknown>;

/** What a worker runs for a routed call, by name: the local service methods. */
export function routedHandlers(s: Local): Record<string, Handler> {
  return {
    'segmentation.segmentImage': (input: Parameters<SegmentationService['segmentImage']>[0]) => s.segmentation.segmentImage(input),
    'segmentation.segmentPhrases': (input: Parameters<SegmentationService['segmentPhrases']>[0]) => s.segmentation.segmentPhrases(input),
    'segmentation.segmentEverything': (input: Parameters<SegmentationService['segmentEverything']>[0]) => s.segmentation.segmentEverything(input),
    'segmentation.startBatch': (input: Parameters<SegmentationService['startBatch']>[0]) => s.segmentation.startBatch(input, s.runner, (id) => s.projects.get(id)),
    'sessions.liveInfo': async (sessionId: string) => {
      await forgetEndedJob(s, sessionId);
      return s.sessions.liveInfo(sessionId);
    },
    'models.list': async () => s.models.list(),
    // Queued, not awaited: the api's call ends once the worker took the image.
    'media.preencode': async (mediaId: string) => {
      if (!s.preencoder) return false;
      const m = await s.media.get(mediaId);
      s.preencoder.offer(m.id, s.media.imageSource(m));
      return true;
    },
    ...Object.fromEntries(
      SESSION_CALLS.map((m) => [
        `sessions.${m}`,
        async (...args: unknown[]) => {
          if (m !== 'start') await forgetEndedJob(s, sessionIdOf(args[0]));
          return (s.sessions[m] as (...a: unknown[]) => Promise<unknown>)(...args);
        },
      ]),
    ),
  };
}

/**
 * A session's propagation may run on another worker (BullMQ hands the job to any): this worker,
 * which started it, then never sees it end and would refuse the session's next prompt as
 * "propagating". Its end is read from the job's row before each session call.
 */
async function forgetEndedJob(s: Local, sessionId: string): Promise<void> {
  const jobId = s.sessions.liveState(sessionId)?.activeJobId;
  if (!jobId) return;
  const job = await s.jobs.get(jobId).catch(() => undefined);
  if (!job || isTerminal(job.status)) s.propagation.release(sessionId, jobId);
}

/** The session methods that need the model or the live session: run where the session lives. */
const SESSION_CALLS = ['start', 'reopen', 'close', 'addPrompt', 'addTextPrompt', 'clearPrompts', 'removeObject', 'reset', 'propagate'] as const;

/** How a worker reports a failed call: the coded client error, as data. */
export function wireError(err: unknown, log: { error(obj: object, msg: string): void }): WireError {
  const e = toClientError(err);
  if (e instanceof GraphQLError) {
    const { http: _http, ...extensions } = e.extensions as Record<string, unknown>;
    return { message: e.message, extensions };
  }
  log.error({ err }, 'routed call failed unexpectedly');
  return { message: e instanceof Error ? e.message : String(e), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** The api side of one call: the worker's value, or its error rethrown as the same coded error. */
async function remote<T>(fleet: FleetCaller, key: string, name: string, args: unknown[], prefer?: string | null): Promise<T> {
  try {
    return (await fleet.call(key, name, args, prefer)).value as T;
  } catch (err) {
    if (err instanceof NoWorkerError) {
      throw new AppError('MODEL_UNAVAILABLE', `No inference worker can take this call: ${err.message}`, { retryable: true, reason: 'NO_WORKER', hint: 'Start a process with ROLE=worker (same REDIS_URL, REDIS_PREFIX and DATABASE_URL).' });
    }
    const wire = err as Partial<WireError>;
    if (wire && typeof wire.message === 'string' && wire.extensions) {
      const { code, ...details } = wire.extensions;
      throw isErrorCode(code) ? new AppError(code, wire.message, details) : new GraphQLError(wire.message, { extensions: wire.extensions });
    }
    throw err;
  }
}

/** The routing key of an image: its media, or the content of an inline image. */
export function imageKey(input: { mediaId?: string | null; imageBase64?: string | null }): string {
  if (input.mediaId) return `media:${input.mediaId}`;
  return `inline:${createHash('sha1').update(input.imageBase64 ?? '').digest('hex')}`;
}

/**
 * Background encoding on an api process: the image's worker (the one its clicks will reach) is
 * asked to encode it. Never awaited by the upload; a failure (no worker, say) is logged.
 */
export function routedPreencode(fleet: FleetCaller, log: { warn(obj: object, msg: string): void }): (mediaId: string) => void {
  return (mediaId) => void remote(fleet, `media:${mediaId}`, 'media.preencode', [mediaId]).catch((err: Error) => log.warn({ mediaId, err: err.message }, 'background encoding not handed to a worker'));
}

/** SegmentationService on an api process: the engine-bound calls run on a worker. */
export function routedSegmentation(local: SegmentationService, fleet: FleetCaller): SegmentationService {
  const facade: Partial<SegmentationService> = {
    segmentImage: (input) => remote(fleet, imageKey(input), 'segmentation.segmentImage', [input]),
    segmentPhrases: (input) => remote(fleet, imageKey(input), 'segmentation.segmentPhrases', [input]),
    segmentEverything: (input) => remote(fleet, imageKey(input), 'segmentation.segmentEverything', [input]),
    // The model is checked (and its device read) by a worker, which queues the job.
    startBatch: async (input, _jobs, projectExists) => {
      await projectExists(input.projectId);
      return remote(fleet, `project:${input.projectId}`, 'segmentation.startBatch', [input]);
    },
  };
  return Object.assign(Object.create(local) as SegmentationService, facade);
}

/**
 * SessionService on an api process: calls that need the model or the live session run on the
 * worker holding the session's lease, or (none holds it: new, or its worker died) on the worker
 * of its media, which takes the lease and rebuilds the session from its stored prompts. Reads of
 * rows, objects and stored masks stay local; the live state is asked of the holder.
 */
export function routedSessions(local: SessionService, fleet: FleetCaller, leases: SessionLeases): SessionService {
  const keyOf = async (sessionId: string) => `media:${(await local.row(sessionId)).mediaId}`;
  const facade: Partial<Record<keyof SessionService, unknown>> = {};
  for (const m of SESSION_CALLS) {
    facade[m] = async (...args: unknown[]) => {
      if (m === 'start') return remote(fleet, `media:${String(args[0])}`, 'sessions.start', args);
      const id = sessionIdOf(args[0]);
      const [key, holder] = await Promise.all([keyOf(id), leases.holder(id)]);
      return remote(fleet, key, `sessions.${m}`, args, holder);
    };
  }
  facade.liveInfo = async (id: string) => {
    const holder = await leases.holder(id);
    return holder ? remote(fleet, await keyOf(id), 'sessions.liveInfo', [id], holder) : null;
  };
  return Object.assign(Object.create(local) as SessionService, facade);
}

/** ModelService on an api process (which loads none): the models as a worker has them. */
export function routedModels(local: ModelService, fleet: FleetCaller): ModelService {
  const facade: Partial<ModelService> = { list: () => remote(fleet, 'models', 'models.list', []) };
  return Object.assign(Object.create(local) as ModelService, facade);
}

function sessionIdOf(arg: unknown): string {
  return typeof arg === 'string' ? arg : String((arg as { sessionId: string }).sessionId);
}
