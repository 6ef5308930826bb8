// GET /media/:id/frames/:index: one frame as PNG, for the web app (a video frame exactly as the
// session decodes it, so masks line up; an image is frame 0). Read scope, like thumbnails.
import express, { type Router } from 'express';
import sharp from 'sharp';
import type { Services } from '../modules/services.js';
import { badInput } from '../errors/app-errors.js';
import { fileInput, INPUT_GUARD_ARGS, runTool } from '../media/ffmpeg.js';
import { MediaKind } from '../modules/media/media.type.js';
import type { AuthGuard } from './auth/auth-guard.js';
import { sendError } from './http-routes.js';
import { mediaForRead } from './media-access.js';

const MAX_PNG_BYTES = 64 * 1024 * 1024;

export function mediaFrameRoute(services: Services, guard: AuthGuard, log: (err: unknown) => void): Router {
  const router = express.Router();
  router.get('/media/:id/frames/:index', async (req, res) => {
    try {
      const media = await mediaForRead(services, guard, req);
      const index = /^\d{1,9}$/.test(String(req.params.index)) ? Number(req.params.index) : -1;
      const frames = media.kind === MediaKind.VIDEO ? (media.frameCount ?? 0) : 1;
      if (index < 0 || index >= frames) throw badInput(`Frame index must be an integer in [0, ${frames - 1}]`);
      const png = media.kind === MediaKind.VIDEO ? await videoFrame(services, services.media.filePath(media), index) : await sharp(await services.media.readBytes(media)).png().toBuffer();
      // Stored media never change (content-addressed), so the browser may keep frames.
      res.type('image/png').set('Cache-Control', 'private, max-age=86400').send(png);
    } catch (err) {
      sendError(res, err, log);
    }
  });
  return router;
}

/** Decodes frames in order and keeps the index-th (select on the decoded frame number, as the frame store counts). */
async function videoFrame(services: Services, file: string, index: number): Promise<Buffer> {
  const args = ['-hide_banner', '-nostdin', '-v', 'error', ...INPUT_GUARD_ARGS, '-i', fileInput(file), '-map', '0:v:0', '-an', '-sn', '-dn', '-vf', `select=eq(n\\,${index})`, '-frames:v', '1', '-c:v', 'png', '-f', 'image2pipe', 'pipe:1'];
  const res = await runTool(services.media.ffmpeg().ffmpeg, args, { maxStdoutBytes: MAX_PNG_BYTES, timeoutMs: 60_000 });
  if (!res.stdout.length) throw badInput(`Frame ${index} cannot be decoded`);
  return res.stdout;
}
