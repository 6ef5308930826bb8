// The frames of a stored video as the engine reads them (a tracker's FrameSource): decoded once
// into a FrameStore under dir, scaled to at most FRAME_STORE_MAX_SIDE, as they are asked for.
import type { FrameSource } from '../engine/index.js';
import { FrameStore } from './video-frames.js';

/** Video frames are stored at most this large on a side: enough for the models' inputs. */
export const FRAME_STORE_MAX_SIDE = 1024;

export interface StoredVideo {
  /** The file ffmpeg reads. */
  path: string;
  /** Its content hash: frames of the same bytes share embedding-cache keys. */
  sha256: string;
  width: number;
  height: number;
  frameCount: number;
}

/** `maxDiskBytes`: the bound of the store on disk (FRAME_STORE_MB); a longer video goes through a window. */
export function videoFrameSource(video: StoredVideo, dir: string, bins: ConstructorParameters<typeof FrameStore>[0]['bins'], maxDiskBytes?: number): { source: FrameSource; store: FrameStore } {
  const scale = Math.min(1, FRAME_STORE_MAX_SIDE / Math.max(video.width, video.height));
  const sw = Math.max(2, Math.round(video.width * scale));
  const sh = Math.max(2, Math.round(video.height * scale));
  const store = new FrameStore({ dir, videoPath: video.path, width: sw, height: sh, frameCount: video.frameCount, bins, maxDiskBytes });
  const key = `sha256:${video.sha256}:${sw}x${sh}`;
  return {
    store,
    source: {
      width: video.width,
      height: video.height,
      frameCount: video.frameCount,
      frame: (i) => ({
        key: `${key}:f${i}`,
        width: video.width,
        height: video.height,
        pixels: async () => {
          const f = await store.getFrame(i);
          return { kind: 'raw', data: f.data, width: f.width, height: f.height, channels: 3 };
        },
      }),
    },
  };
}
