// The typed topic map of the PubSub: each topic is keyed by an id and carries one payload type.
// Payloads are plain data (strings, numbers, RLE counts; dates revive from ISO strings) and import
// nothing of the engine, so the same topics can cross a process boundary (Redis) unchanged.

export type JobStatusName = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** One row of the Job table as published (dates as Date). */
export interface JobSnapshot {
  id: string;
  kind: 'PROPAGATION' | 'BATCH_SEGMENTATION' | 'EXPORT';
  status: JobStatusName;
  projectId: string | null;
  sessionId: string | null;
  device: string;
  progress: number;
  message: string | null;
  framesDone: number;
  framesTotal: number;
  rate: number | null;
  etaSec: number | null;
  errorCode: string | null;
  errorReason: string | null;
  errorMessage: string | null;
  errorRetryable: boolean | null;
  errorHint: string | null;
  result: unknown;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

/** A stored mask as published: COCO RLE (compressed counts), bbox [x, y, w, h], area, score. */
export interface MaskPayload {
  rle: { size: [number, number]; counts: string };
  bbox: [number, number, number, number];
  area: number;
  score: number;
}

/** One frame of a propagation: every object's mask there, null where the object is absent. */
export interface FramePayload {
  frameIndex: number;
  objects: { objectId: number; mask: MaskPayload | null }[];
}

export type SessionEvent =
  | { kind: 'FRAME'; sessionId: string; jobId: string; frame: FramePayload }
  | { kind: 'COMPLETED' | 'FAILED' | 'CANCELLED'; sessionId: string; jobId: string; job: JobSnapshot };

export type Topics = {
  'session:events': [sessionId: string, payload: SessionEvent];
  'job:progress': [jobId: string, payload: JobSnapshot];
  /** Cancel a running job, wherever it runs (the runner that holds it aborts it). */
  'job:cancel': [payload: { jobId: string }];
  /**
   * A key or subject that must lose access at once, in every process (over Redis with REDIS_URL):
   * each drops its cached verification of it and closes the open sockets holding it (4403).
   */
  'auth:revoked': [payload: { principalId: string }];
};
