// What every export writer gets: where to write, how to report progress, when to stop.
import type { Prisma } from '../../../db/database.js';
import type { JobProgress } from '../../../jobs/job-handler.js';

export interface WriterContext {
  prisma: Prisma;
  /** The job's artifact folder (empty at start). */
  dir: string;
  signal: AbortSignal;
  progress(p: JobProgress): Promise<void>;
}

export interface WrittenFile {
  /** File name inside ctx.dir. */
  name: string;
  mimeType: string;
}

/** Thrown by a writer when the job was cancelled (the handler turns it into CANCELLED). */
export class ExportCancelled extends Error {
  override name = 'ExportCancelled';
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new ExportCancelled('cancelled');
}

/** A problem of the exported data or the tools, with a code for the job's error. */
export class ExportError extends Error {
  override name = 'ExportError';
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
