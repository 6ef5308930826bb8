// GET /download/<kind>/<id>[/<part>]?exp=&sig=: files behind signed, expiring URLs (no
// Authorization header, so they work in <img> and <video>). The signature is the credential;
// it is only handed out by resolvers that checked the caller's access. Files are sent with
// Range support (206) by express's send.
import express, { type Request, type Response, type Router } from 'express';
import { AppError } from '../errors/app-errors.js';
import type { Services } from '../modules/services.js';
import type { DownloadKind } from '../modules/download/url-signer.js';
import { sendError } from './http-routes.js';

const KINDS = new Set<DownloadKind>(['artifact', 'media', 'frame']);

export function downloadRoutes(services: Services, log: (err: unknown) => void): Router {
  const router = express.Router();
  router.get('/download/:kind/:id{/:part}', async (req: Request, res: Response) => {
    try {
      const kind = String(req.params.kind) as DownloadKind;
      if (!KINDS.has(kind)) throw new AppError('NOT_FOUND', 'No such download');
      const pathname = req.originalUrl.split('?')[0]!;
      const verdict = services.urls.verify(pathname, req.query.exp, req.query.sig);
      if (verdict !== 'ok') {
        throw new AppError('FORBIDDEN', verdict === 'expired' ? 'This download URL has expired: ask the API for a new one' : 'This download URL is not valid', { reason: verdict === 'expired' ? 'URL_EXPIRED' : 'BAD_SIGNATURE' });
      }
      const part = req.params.part === undefined ? undefined : String(req.params.part);
      const d = await services.downloads.resolve(kind, String(req.params.id), part);
      const maxAge = Math.max(0, Number(req.query.exp) - Math.floor(Date.now() / 1000));
      res.set('Cache-Control', `private, max-age=${maxAge}`);
      res.set('Content-Disposition', `inline; filename="${d.filename.replace(/[^\w.\- ]/g, '_')}"`);
      res.set('X-Content-Type-Options', 'nosniff');
      if (d.kind === 'bytes') {
        res.type(d.mimeType).send(d.bytes);
        return;
      }
      res.sendFile(d.file, { headers: { 'Content-Type': d.mimeType }, acceptRanges: true, cacheControl: false, dotfiles: 'allow' }, (err) => {
        if (err && !res.headersSent) sendError(res, new AppError('NOT_FOUND', 'The file is gone'), log);
      });
    } catch (err) {
      sendError(res, err, log);
    }
  });
  return router;
}
