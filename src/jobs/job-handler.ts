// A job handler does the work of one job kind. It reports progress through the context and
// returns how the job ended instead of throwing (an unexpected throw is still caught as FAILED).
import type { JobSnapshot } from '../events/topics.js';

export interface JobError {
  code: string;
  message: string;
  retryable: boolean;
  hint?: string;
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
