// Exports from the web app, in a real Chromium against the real server: the user starts an
// export from the page, its job's progress bar fills, and the file it made is downloaded through
// the page's link (a signed URL) as a person would; the downloaded bytes are then read with
// readers independent of the server's code (COCO RLE, indexed PNGs in a zip) and checked against
// the drawn shapes by IoU, and a masked video decoded with real ffmpeg.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickAt, shoot, startWebBed, type WebBed, browserAvailable } from '../support/browser.js';
import { DISCS, DISCS_VIDEO, discMask } from '../support/discs-video.js';
import { drawPicture, iou, toPng, type Shape } from '../support/draw.js';
import { decodeVideo, readIndexedPng, readRle, readZip } from '../support/export-readers.js';
import { testBins } from '../fixtures/video.js';
import { fixture, uploadFile } from '../support/tracking.js';

const { width: W, height: H } = DISCS_VIDEO;

interface Coco {
  images: { id: number; frame_index?: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; object_id?: number; segmentation: { size: number[]; counts: string } }[];
}

describe.runIf(browserAvailable)('web app: exports and downloads', () => {
  let bed: WebBed;
  let page: Page;
  let srv: WebBed['srv'];
  let projectId: string;

  beforeAll(async () => {
    bed = await startWebBed('exports');
    ({ page, srv, projectId } = bed);
  });
  afterAll(() => bed?.stop());

  /** Picks a format in the page's export panel, starts it, and waits for its job to complete with a full bar. */
  async function exportAs(format: string): Promise<Locator> {
    await page.getByTestId('export-format').selectOption(format);
    // The panel shows one job at a time: wait for this one, not the one before it.
    const status = page.getByTestId('export-status');
    const previous = (await status.count()) ? await status.getAttribute('data-job') : '';
    await page.getByTestId('start-export').click();
    await page.waitForSelector(`[data-testid=export-status][data-status=COMPLETED]:not([data-job="${previous}"])`, { timeout: 120_000 });
    const panel = page.getByTestId('export');
    expect(await panel.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    return panel;
  }

  /** Clicks a download link as a person would; resolves with the downloaded file's bytes. */
  async function download(link: Locator): Promise<{ name: string; bytes: Buffer }> {
    const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = await dl.path();
    return { name: dl.suggestedFilename(), bytes: await readFile(file) };
  }

  it('exports a video session as COCO JSON, PNG masks and a masked video, and downloads them from the page', async () => {
    const up = await uploadFile(srv.url, projectId, fixture('discs.mp4'));
    await page.goto(`${srv.url}/#/m/${up.body.data.media.id}`);
    await page.waitForSelector('main[data-ready="1"]');
    await page.getByTestId('start-session').click();
    await page.waitForSelector('[data-testid=session-status][data-status=OPEN]');
    await page.waitForSelector('[data-testid=stage][data-frame="0"]');
    // Nothing to export yet: the server's refusal shows, and no job starts.
    await page.getByTestId('start-export').click();
    await page.waitForSelector('[data-testid=status].error:has-text("no objects")');
    expect(await page.getByTestId('export-status').count()).toBe(0);
    const [cx, cy] = DISCS[0]!.path(0);
    await clickAt(page.getByTestId('stage'), cx, cy, W, H);
    await page.waitForSelector('[data-testid=stage][data-objects="1"]');

    // COCO JSON: the clicked disc is the one annotation, on frame 0, where the disc is drawn.
    const coco = await exportAs('COCO_JSON');
    const json = await download(coco.getByTestId('download'));
    expect(json.name).toBe('coco.json');
    const parsed = JSON.parse(json.bytes.toString('utf8')) as Coco;
    expect(parsed.annotations).toHaveLength(1);
    const [a] = parsed.annotations;
    expect(a!.object_id).toBe(1);
    expect(parsed.images.find((i) => i.id === a!.image_id)).toMatchObject({ frame_index: 0, width: W, height: H });
    expect(iou(readRle(a!.segmentation), discMask(0, 0))).toBeGreaterThan(0.8);

    // PNG masks: frame 0's palette index 1 is the disc; the frames nobody tracked are empty.
    const zip = await exportAs('DAVIS_PNG_ZIP');
    await shoot(page, 'exports-video');
    const masks = await download(zip.getByTestId('download'));
    expect(masks.name).toBe('masks.zip');
    const dir = await mkdtemp(path.join(tmpdir(), 'maskql-web-export-'));
    await writeFile(path.join(dir, 'masks.zip'), masks.bytes);
    const files = await readZip(path.join(dir, 'masks.zip'));
    const pngOf = (frame: number) => [...files].find(([name]) => name.endsWith(`/${String(frame).padStart(5, '0')}.png`))?.[1];
    const frame0 = readIndexedPng(pngOf(0)!);
    expect([frame0.width, frame0.height]).toEqual([W, H]);
    expect(iou(frame0.indices.map((v) => (v === 1 ? 1 : 0)), discMask(0, 0))).toBeGreaterThan(0.8);
    expect(readIndexedPng(pngOf(30)!).indices.every((v) => v === 0)).toBe(true);

    // A masked video, WebM with the objects cut out (the options show for this format only):
    // every frame is there, and frame 0's alpha channel is the clicked disc.
    expect(await page.getByTestId('export-container').isVisible()).toBe(false);
    await page.getByTestId('export-format').selectOption('MASKED_VIDEO');
    await page.getByTestId('export-container').selectOption('WEBM');
    await page.getByTestId('export-effect').selectOption('CUTOUT');
    const video = await download((await exportAs('MASKED_VIDEO')).getByTestId('download'));
    expect(video.name).toBe('masked.webm');
    await writeFile(path.join(dir, 'masked.webm'), video.bytes);
    const bins = testBins();
    const frames = decodeVideo(bins, path.join(dir, 'masked.webm'), 'rgba', 'libvpx-vp9');
    expect(frames).toHaveLength(DISCS_VIDEO.frames);
    const alpha = new Uint8Array(W * H).map((_, i) => (frames[0]![i * 4 + 3]! > 127 ? 1 : 0));
    expect(iou(alpha, discMask(0, 0))).toBeGreaterThan(0.8);

    // The jobs page lists the exports, each with its file to download.
    await page.goto(`${srv.url}/#/jobs`);
    await page.waitForSelector('main[data-ready="1"]');
    const links = page.locator('[data-testid=job-row][data-status=COMPLETED] [data-testid=download]');
    await links.nth(2).waitFor();
    const names = await links.evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
    expect(names.sort()).toEqual(['coco.json', 'masked.webm', 'masks.zip']);
    const again = await download(page.locator('[data-testid=download][data-name="coco.json"]'));
    expect(again.bytes.equals(json.bytes)).toBe(true);
  }, 240_000);

  it('segments every image of a project and exports the project as COCO JSON', async () => {
    const shapes: Shape[] = [
      { kind: 'rect', color: [210, 40, 40], x: 30, y: 40, w: 80, h: 70 },
      { kind: 'disc', color: [40, 70, 210], x: 220, y: 150, r: 45 },
    ];
    const picture = drawPicture(320, 240, shapes);
    const dir = await mkdtemp(path.join(tmpdir(), 'maskql-web-export-'));
    const file = path.join(dir, 'shapes.png');
    await writeFile(file, await toPng(picture));
    await uploadFile(srv.url, projectId, file);
    await page.goto(`${srv.url}/#/p/${projectId}`);
    await page.waitForSelector('main[data-ready="1"]');
    await page.getByTestId('segment-all').click();
    await page.waitForSelector('[data-testid=batch-status][data-status=COMPLETED]', { timeout: 120_000 });

    const panel = await exportAs('COCO_JSON');
    const parsed = JSON.parse((await download(panel.getByTestId('download'))).bytes.toString('utf8')) as Coco;
    const image = parsed.images.find((i) => i.file_name === 'shapes.png')!;
    expect(image).toMatchObject({ width: 320, height: 240 });
    const masks = parsed.annotations.filter((x) => x.image_id === image.id).map((x) => readRle(x.segmentation));
    // Every drawn shape is one of the stored masks.
    for (const m of picture.masks) expect(Math.max(...masks.map((x) => iou(x, m)))).toBeGreaterThan(0.8);
  }, 240_000);
});
