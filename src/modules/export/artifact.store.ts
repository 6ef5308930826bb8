// Export artifacts on disk: DATA_DIR/exports/<jobId>/<name>, one Artifact row per file. Files go
// after EXPORT_RETENTION_SEC, and with their job (a deleted project deletes its jobs' rows; the
// sweep then removes folders no job owns).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Prisma } from '../../db/database.js';
import { isUuid } from '../common/ids.js';
import type { WrittenFile } from './writers/writer.js';

export interface ArtifactRow {
  id: string;
  jobId: string;
  name: string;
  mimeType: string;
  byteSize: bigint;
  sha256: string;
  storagePath: string;
  createdAt: Date;
  expiresAt: Date;
}

async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export class ArtifactStore {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: Prisma,
    readonly root: string,
    private readonly retentionMs: number,
    private readonly log: Logger,
  ) {}

  /** A fresh, empty folder for a job's files. */
  async begin(jobId: string): Promise<string> {
    const dir = path.join(this.root, jobId);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Records the files a job wrote (size and SHA-256 read back from disk). */
  async record(jobId: string, files: WrittenFile[]): Promise<ArtifactRow[]> {
    const expiresAt = new Date(Date.now() + this.retentionMs);
    const data = await Promise.all(
      files.map(async (f) => {
        const file = path.join(this.root, jobId, f.name);
        return { jobId, name: f.name, mimeType: f.mimeType, byteSize: BigInt((await stat(file)).size), sha256: await sha256Of(file), storagePath: `${jobId}/${f.name}`, expiresAt };
      }),
    );
    await this.prisma.artifact.createMany({ data });
    return this.prisma.artifact.findMany({ where: { jobId }, orderBy: { name: 'asc' } });
  }

  async discard(jobId: string): Promise<void> {
    await rm(path.join(this.root, jobId), { recursive: true, force: true });
  }

  ofJob(jobId: string): Promise<ArtifactRow[]> {
    return this.prisma.artifact.findMany({ where: { jobId, expiresAt: { gt: new Date() } }, orderBy: { name: 'asc' } });
  }

  /** A live (unexpired) artifact, or null. */
  async get(id: string): Promise<ArtifactRow | null> {
    if (!isUuid(id)) return null;
    return this.prisma.artifact.findFirst({ where: { id, expiresAt: { gt: new Date() } } });
  }

  filePath(row: Pick<ArtifactRow, 'storagePath'>): string {
    return path.join(this.root, row.storagePath);
  }

  /**
   * Deletes expired artifacts (rows and files) and folders whose job is gone. Folders of jobs
   * still running have a job row and are kept.
   */
  async sweep(): Promise<number> {
    const expired = await this.prisma.artifact.findMany({ where: { expiresAt: { lte: new Date() } } });
    for (const a of expired) await rm(this.filePath(a), { force: true });
    if (expired.length) await this.prisma.artifact.deleteMany({ where: { id: { in: expired.map((a) => a.id) } } });
    let names: string[] = [];
    try {
      names = await readdir(this.root);
    } catch {
      return expired.length;
    }
    const ids = names.filter(isUuid);
    const alive = new Set((await this.prisma.job.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((j) => j.id));
    let removed = expired.length;
    for (const name of names) {
      if (alive.has(name)) continue;
      await rm(path.join(this.root, name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /** Sweeps now and then every intervalMs. */
  start(intervalMs = Math.min(60_000, Math.max(1000, this.retentionMs / 2))): void {
    const run = () => void this.sweep().then((n) => n && this.log.info({ removed: n }, 'removed expired export artifacts'), (err: unknown) => this.log.warn({ err }, 'artifact sweep failed'));
    run();
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
  }

  async dispose(): Promise<void> {
    clearInterval(this.timer);
  }
}
