// The end of a resumable (tus) upload: the client's sha256 (upload metadata) is compared with the
// stored bytes before any media exists; then the bytes become a media once. The media is created
// under the caller's clientRequestId (metadata) or the upload's id, so a repeated final request,
// or the same upload sent again with the same clientRequestId, returns the first media.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { badInput } from '../../errors/app-errors.js';
import type { IdempotencyService } from '../idempotency/idempotency.service.js';
import type { MediaService } from '../media/media.service.js';
import type { Media } from '../media/media.type.js';

export interface UploadMetadata {
  projectId: string;
  sha256: string;
  filename: string | null;
  label: string | null;
  clientRequestId: string | null;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The metadata a client must send at creation (Upload-Metadata), checked. */
export function readMetadata(m: Record<string, string | null> | undefined): UploadMetadata {
  const get = (k: string) => (m?.[k] ?? '').trim() || null;
  const projectId = get('projectId');
  const sha256 = get('sha256')?.toLowerCase() ?? null;
  if (!projectId) throw badInput('Upload-Metadata needs projectId', { field: 'projectId' });
  if (!sha256 || !SHA256.test(sha256)) throw badInput('Upload-Metadata needs sha256: the SHA-256 of the whole file, 64 hex digits', { field: 'sha256' });
  const filename = get('filename');
  const label = get('label');
  const clientRequestId = get('clientRequestId');
  if ((filename?.length ?? 0) > 255 || (label?.length ?? 0) > 200 || (clientRequestId?.length ?? 0) > 200) throw badInput('filename, label or clientRequestId is too long');
  return { projectId, sha256, filename, label, clientRequestId };
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export class ChecksumMismatch extends Error {
  override name = 'ChecksumMismatch';
}

export async function finishUpload(
  deps: { media: MediaService; idempotency: IdempotencyService },
  req: { uploadId: string; file: string; metadata: UploadMetadata; principalId: string },
): Promise<{ media: Media; deduplicated: boolean }> {
  const { metadata: m } = req;
  const actual = await sha256File(req.file);
  if (actual !== m.sha256) throw new ChecksumMismatch(`the stored bytes have sha256 ${actual}, not ${m.sha256}: the upload is discarded`);
  return deps.idempotency.storeMedia(req.principalId, 'tus-upload', m.clientRequestId ?? `tus:${req.uploadId}`, { projectId: m.projectId, sha256: m.sha256, filename: m.filename, label: m.label }, () =>
    deps.media.add({ projectId: m.projectId, stream: createReadStream(req.file), filename: m.filename, label: m.label }),
  );
}
