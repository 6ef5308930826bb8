// Job rows and snapshots -> the GraphQL Job type.
import type { JobSnapshot } from '../../events/topics.js';
import { isErrorCode, type ErrorCode } from '../../errors/app-errors.js';
import type { Job } from './job.type.js';

/** Rows written before the codes were one list said INTERNAL or INTERRUPTED: both are internal errors now. */
function toErrorCode(code: string): ErrorCode {
  return isErrorCode(code) ? code : 'INTERNAL_SERVER_ERROR';
}

export function toJob(row: JobSnapshot & { params?: unknown }): Job {
  return {
    id: row.id,
    kind: row.kind as Job['kind'],
    status: row.status as Job['status'],
    projectId: row.projectId,
    sessionId: row.sessionId,
    device: row.device as Job['device'],
    progress: row.progress,
    message: row.message,
    framesDone: row.framesDone,
    framesTotal: row.framesTotal,
    rate: row.rate,
    etaSec: row.etaSec,
    error: row.errorCode ? { code: toErrorCode(row.errorCode), message: row.errorMessage ?? '', retryable: row.errorRetryable ?? false, hint: row.errorHint, reason: row.errorReason ?? null } : null,
    params: row.params === undefined ? null : JSON.stringify(row.params),
    result: row.result === null || row.result === undefined ? null : JSON.stringify(row.result),
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    updatedAt: row.updatedAt,
  };
}
