// GET /media/:id/frames/:index: one frame as PNG, for the web app (a video frame exactly as the
// session decodes it, so masks line up; an image is frame 0). Read scope, like thumbnails.
import express, { type Router } from 'express';
import sharp from 'sharp';
import type { Services } from '../modules/services.js';
import { badInput } from '../errors/app-errors.js';
import { videoFramePng } from '../modules/download/frame-decode.js';
import { MediaKind } from '../modules/media/media.type.js';
import type { AuthGuard } from './auth/auth-guard.js';
import { sendError } from './http-routes.js';
import { mediaForRead } from './media-access.js';

export function mediaFrameRoute(services: Services, guard: AuthGuard, log: (err: unknown) => void): Router {
  const router = express.Router();
  router.get('/media/:id/frames/:index', async (req, res) => {
    try {
      const media = await mediaForRead(services, guard, req);
      const index = /^\d{1,9}$/.test(String(req.params.index)) ? Number(req.params.index) : -1;
      const frames = media.kind === MediaKind.VIDEO ? (media.frameCount ?? 0) : 1;
      if (index < 0 || index >= frames) throw badInput(`Frame index must be an integer in [0, ${frames - 1}]`);
      const png = media.kind === MediaKind.VIDEO ? await videoFrame(services, media, index) : await sharp(await services.media.readBytes(media)).png().toBuffer();
      // Stored media never change (content-addressed), so the browser may keep frames.
      res.type('image/png').set('Cache-Control', 'private, max-age=86400').send(png);
    } catch (err) {
      sendError(res, err, log);
    }
  });
  return router;
}

/** Frame n as the frame store decodes it (the same decode as signed frame URLs: ffmpeg seeks to it). */
async function videoFrame(services: Services, media: { storagePath: string; width: number; height: number }, index: number): Promise<Buffer> {
  return videoFramePng(services.media.filePath(media), services.media.ffmpeg(), index, media.width, media.height).catch(() => {
    throw badInput(`Frame ${index} cannot be decoded`);
  });
}
