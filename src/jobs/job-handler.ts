// A job handler does the work of one job kind. It reports progress through the context and
// returns how the job ended instead of throwing (an unexpected throw is still caught as FAILED,
// through the runner's error mapper).
import type { ErrorCode } from '../errors/app-errors.js';
import type { JobSnapshot } from '../events/topics.js';

export interface JobError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  hint?: string;
  /** Why, finer than the code (INTERRUPTED, DEADLINE_EXCEEDED, a media reason...). */
  reason?: string;
}

export type JobOutcome =
  | { status: 'COMPLETED'; result?: unknown; message?: string }
  | { status: 'CANCELLED'; message?: string }
  | { status: 'FAILED'; error: JobError };

export interface JobProgress {
  framesDone?: number;
  framesTotal?: number;
  progress?: number;
  message?: string;
}

export interface JobContext {
  job: JobSnapshot;
  signal: AbortSignal;
  progress(p: JobProgress): Promise<void>;
}

export type JobHandler = (ctx: JobContext) => Promise<JobOutcome>;
