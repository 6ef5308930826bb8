// What the load clients work on: a project with three stored pictures (segmented again and again:
// cached embeddings), a short video for tracking sessions, and fresh pictures drawn per request
// (never seen before: an encoder run each).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PICTURE, PICTURE_SHAPES, TWO_DISCS, drawRgb, encodeDiscsVideo, pngOf } from '../lib/media.js';
import type { LoadClient } from './client.js';

export interface Fixtures {
  projectId: string;
  imageIds: string[];
  videoId: string;
  /** Pixel position of the first disc on frame 0 of the video. */
  videoClick: { x: number; y: number };
}

export async function createFixtures(client: LoadClient): Promise<Fixtures> {
  const projectId = (await client.must(`mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id } } }`, { input: { name: `load-${Date.now()}` } })).createProject.project.id;
  const imageIds: string[] = [];
  for (let k = 0; k < 3; k++) {
    // Three different pictures: the shapes shifted by k * 20 px.
    const shapes = PICTURE_SHAPES.map((s) => (s.kind === 'rect' ? { ...s, x: s.x + k * 20 } : { ...s, cx: s.cx + k * 20 }));
    imageIds.push(await client.upload(projectId, `picture-${k}.png`, await pngOf(drawRgb(PICTURE.width, PICTURE.height, shapes), PICTURE.width, PICTURE.height)));
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'maskql-load-'));
  try {
    const file = path.join(dir, 'discs.mp4');
    await encodeDiscsVideo(TWO_DISCS, file);
    const videoId = await client.upload(projectId, 'discs.mp4', await readFile(file));
    const [x, y] = TWO_DISCS.discs[0]!.path(0);
    return { projectId, imageIds, videoId, videoClick: { x, y } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A picture no one has sent before: a rectangle of a random colour at a random place. */
export async function freshPicture(rand: () => number): Promise<string> {
  const w = 320;
  const h = 240;
  const colour = [0, 0, 0].map(() => Math.floor(rand() * 256)) as [number, number, number];
  const shape = { kind: 'rect' as const, x: Math.floor(rand() * 200), y: Math.floor(rand() * 140), w: 60 + Math.floor(rand() * 60), h: 50 + Math.floor(rand() * 50), color: colour };
  return (await pngOf(drawRgb(w, h, [shape]), w, h)).toString('base64');
}
