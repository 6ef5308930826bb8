// The web app on an image, in a real Chromium against the real server: upload by the page's
// file input, a click on a drawn shape gives an overlay where the shape is (read from the
// screenshot's pixels), a negative click and a phrase, multimask choices, segment-everything.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickAt, overlayPixels, startWebBed, type WebBed, browserAvailable } from '../support/browser.js';
import { drawPicture, iou, toPng, type Shape } from '../support/draw.js';

const W = 320;
const H = 240;
const SHAPES: Shape[] = [
  { kind: 'rect', color: [210, 40, 40], x: 30, y: 40, w: 80, h: 70 },
  { kind: 'disc', color: [40, 70, 210], x: 220, y: 150, r: 45 },
  { kind: 'rect', color: [40, 170, 60], x: 200, y: 20, w: 90, h: 50 },
];
const picture = drawPicture(W, H, SHAPES);

describe.runIf(browserAvailable)('web app: images', () => {
  let bed: WebBed;
  let page: Page;
  let srv: WebBed['srv'];
  let projectId: string;

  beforeAll(async () => {
    bed = await startWebBed('shapes');
    ({ page, srv, projectId } = bed);
  });
  afterAll(() => bed?.stop());

  const stage = () => page.getByTestId('stage');
  const idle = () => page.waitForSelector('main[data-ready="1"][data-busy="0"]');

  it('uploads a file dropped on the page (with progress) and shows its thumbnail', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'maskql-web-'));
    const file = path.join(dir, 'shapes.png');
    await writeFile(file, await toPng(picture));
    await page.goto(`${srv.url}/#/p/${projectId}`);
    // Dropped on the page, as a person would from a file manager.
    const dropped = await page.evaluateHandle((b64) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'shapes.png', { type: 'image/png' }));
      return dt;
    }, (await readFile(file)).toString('base64'));
    await page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer: dropped });
    await page.waitForSelector('[data-testid=uploads] [role=progressbar][aria-valuenow="100"]');
    const link = page.getByTestId('media-link');
    await link.waitFor();
    await page.waitForFunction(() => (document.querySelector('[data-testid=media-link] img') as HTMLImageElement | null)?.naturalWidth! > 0);
    await link.click();
    await page.waitForSelector('main[data-ready="1"]');
    await page.waitForFunction(() => (document.querySelector('[data-testid=stage]') as HTMLCanvasElement).width === 320);
  });

  it('a click on a shape draws an overlay exactly over that shape', async () => {
    await clickAt(stage(), 60, 70, W, H);
    await page.waitForSelector('[data-testid=object-row][data-score]:not([data-score=""])');
    await idle();
    const changed = await overlayPixels(page, 'image-click', W, H);
    expect(iou(changed, picture.masks[0]!)).toBeGreaterThan(0.85);
    const score = Number(await page.getByTestId('object-row').first().getAttribute('data-score'));
    expect(score).toBeGreaterThan(0);
  });

  it('a second object, by a box, gets its own overlay; a shift-click removes what it covers', async () => {
    await page.getByTestId('new-object').click();
    const box = (await stage().boundingBox())!;
    const at = (x: number, y: number) => [box.x + (x / W) * box.width, box.y + (y / H) * box.height] as const;
    await page.mouse.move(...at(170, 100));
    await page.mouse.down();
    await page.mouse.move(...at(230, 150), { steps: 5 });
    await page.mouse.move(...at(270, 200), { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=object-row][data-score]:not([data-score=""])').length === 2);
    await idle();
    const both = await overlayPixels(page, 'image-box', W, H);
    const union = picture.masks[0]!.map((v, i) => v | picture.masks[1]![i]!);
    expect(iou(both, union)).toBeGreaterThan(0.8);

    // Shift-click on the rectangle, for object 1 (the rectangle): nothing of it remains there.
    await page.getByTestId('object-row').first().click();
    await clickAt(stage(), 60, 70, W, H, { shift: true });
    await idle();
    const after = await overlayPixels(page, 'image-negative', W, H);
    const rectCovered = after.reduce((n, v, i) => n + (v && picture.masks[0]![i] ? 1 : 0), 0) / picture.masks[0]!.reduce((n, v) => n + v, 0);
    expect(rectCovered).toBeLessThan(0.2);
    expect(iou(after.map((v, i) => v & picture.masks[1]![i]!), picture.masks[1]!)).toBeGreaterThan(0.8);
  });

  it('a phrase finds the shape', async () => {
    await page.getByTestId('clear').click();
    await page.getByTestId('phrase').fill('blue');
    await page.getByTestId('find').click();
    await page.waitForSelector('[data-testid=found-row]');
    await idle();
    expect(await page.getByTestId('found-row').count()).toBe(1);
    const changed = await overlayPixels(page, 'image-phrase', W, H);
    expect(iou(changed, picture.masks[1]!)).toBeGreaterThan(0.85);
  });

  it('offers several masks per object and segments everything', async () => {
    await page.getByTestId('clear').click();
    await page.getByTestId('multimask').check();
    await clickAt(stage(), 250, 45, W, H);
    await page.waitForSelector('[data-testid=mask-choice]');
    await idle();
    expect(await page.getByTestId('mask-choice').count()).toBeGreaterThan(1);
    await page.getByTestId('mask-choice').nth(1).click();
    await expect.poll(() => page.locator('[data-testid=mask-choice].on').textContent()).toBe(await page.getByTestId('mask-choice').nth(1).textContent());

    await page.getByTestId('clear').click();
    await page.getByTestId('multimask').uncheck();
    await page.getByTestId('everything').click();
    await page.waitForSelector('[data-testid=found-row]');
    await idle();
    expect(await page.getByTestId('found-row').count()).toBeGreaterThanOrEqual(3);
    const changed = await overlayPixels(page, 'image-everything', W, H);
    for (const m of picture.masks) expect(iou(changed.map((v, i) => v & m[i]!), m)).toBeGreaterThan(0.8);
  });
});
