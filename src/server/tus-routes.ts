// Resumable uploads with the tus protocol at /files (@tus/server with its file store under
// DATA_DIR/uploads, so an upload survives a restart and resumes from its last byte). The same
// rules as POST /upload: authentication, the write scope and its rate cost, the project fence
// (an upload is also bound to the caller that created it) and the size limits.
import path from 'node:path';
import { EVENTS } from '@tus/utils';
import { FileStore } from '@tus/file-store';
import { Server, type Upload } from '@tus/server';
import express, { type Router } from 'express';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Services } from '../modules/services.js';
import { ChecksumMismatch, finishUpload, readMetadata } from '../modules/upload/resumable-upload.js';
import type { AuthGuard } from './auth/auth-guard.js';
import type { Principal } from '../modules/auth/principal.js';
import { HTTP_STATUS } from './http-routes.js';

const OWNER = 'maskqlOwner';

function tusError(err: unknown): { status_code: number; body: string } {
  if (err instanceof GraphQLError) {
    const code = String(err.extensions.code ?? 'INTERNAL_SERVER_ERROR');
    return { status_code: HTTP_STATUS[code] ?? 500, body: JSON.stringify({ errors: [{ message: err.message, extensions: { code } }] }) };
  }
  if (err instanceof ChecksumMismatch) return { status_code: 460, body: JSON.stringify({ errors: [{ message: err.message, extensions: { code: 'BAD_USER_INPUT', reason: 'CHECKSUM_MISMATCH' } }] }) };
  throw err;
}

export function tusRoutes(opts: { config: Config; services: Services; guard: AuthGuard; log: Logger }): { router: Router; dispose: () => void } {
  const { config, services, guard, log } = opts;
  const dir = path.join(config.dataDir, 'uploads');
  const store = new FileStore({ directory: dir, expirationPeriodInMilliseconds: 24 * 3600_000 });
  const principalOf = async (req: Request): Promise<Principal> => {
    const principal = await guard.authenticate(req.headers.get('authorization') ?? undefined);
    guard.access(principal).require('write');
    return principal;
  };
  const tus = new Server({
    path: '/files',
    datastore: store,
    relativeLocation: true,
    maxSize: Math.max(config.media.maxBytes, config.media.videoMaxBytes),
    exposedHeaders: ['Maskql-Media-Id'],
    async onIncomingRequest(req, uploadId) {
      try {
        const principal = await principalOf(req);
        guard.charge(principal, 'write');
        if (req.method === 'POST') return;
        const upload = await store.getUpload(uploadId).catch(() => null);
        // Someone else's upload does not exist for this caller.
        if (!upload || upload.metadata?.[OWNER] !== principal.id) throw new GraphQLError('Upload not found', { extensions: { code: 'NOT_FOUND' } });
        await guard.access(principal).project(upload.metadata?.projectId ?? '');
      } catch (err) {
        throw tusError(err);
      }
    },
    async onUploadCreate(req, upload: Upload) {
      try {
        const principal = await principalOf(req);
        if (upload.size === undefined) throw new GraphQLError('Upload-Length is required (deferred length is not supported)', { extensions: { code: 'BAD_USER_INPUT' } });
        const m = readMetadata(upload.metadata);
        await guard.access(principal).project(m.projectId);
        await services.projects.get(m.projectId);
        return { metadata: { ...upload.metadata, [OWNER]: principal.id } };
      } catch (err) {
        throw tusError(err);
      }
    },
    async onUploadFinish(req, upload: Upload) {
      try {
        const principal = await principalOf(req);
        const { media } = await finishUpload(services, { uploadId: upload.id, file: path.join(dir, upload.id), metadata: readMetadata(upload.metadata), principalId: principal.id });
        return { headers: { 'Maskql-Media-Id': media.id } };
      } catch (err) {
        // A mismatch or a refused file leaves no upload behind.
        await store.remove(upload.id).catch(() => undefined);
        throw tusError(err);
      }
    },
  });
  // The media holds the bytes now: the upload's copy goes once its response is out.
  tus.on(EVENTS.POST_FINISH, (_req, _res, upload) => void store.remove(upload.id).catch((err: unknown) => log.warn({ err }, 'could not remove a finished upload')));
  const sweep = setInterval(() => void tus.cleanUpExpiredUploads().catch(() => undefined), 3600_000);
  sweep.unref();

  const router = express.Router();
  // Uploads are written, not read back: GET is not served (media have signed download URLs).
  router.use('/files', (req, res, next) => {
    if (req.method === 'GET') res.status(405).set('Allow', 'OPTIONS, HEAD, POST, PATCH, DELETE').end();
    else next();
  });
  router.use('/files', tus.handle.bind(tus));
  return { router, dispose: () => clearInterval(sweep) };
}
