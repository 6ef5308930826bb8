// The web app on a video, in a real Chromium against the real server: a click on a disc on
// frame 0, propagation forward with frames arriving live on the timeline, the overlay following
// the moving disc (read from screenshot pixels), cancel, close and reopen.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickAt, overlayPixels, shoot, startWebBed, type WebBed, browserAvailable } from '../support/browser.js';
import { DISCS, DISCS_VIDEO, discMask } from '../support/discs-video.js';
import { iou } from '../support/draw.js';
import { fixture, uploadFile } from '../support/tracking.js';

const { width: W, height: H, frames: N } = DISCS_VIDEO;

describe.runIf(browserAvailable)('web app: videos', () => {
  let bed: WebBed;
  let page: Page;
  let srv: WebBed['srv'];
  let projectId: string;

  beforeAll(async () => {
    bed = await startWebBed('discs');
    ({ page, srv, projectId } = bed);
  });
  afterAll(() => bed?.stop());

  const stage = () => page.getByTestId('stage');
  async function seek(frame: number) {
    await page.getByTestId('scrubber').fill(String(frame));
    await page.waitForSelector(`[data-testid=stage][data-frame="${frame}"]`);
  }
  async function openVideo(file: string) {
    const up = await uploadFile(srv.url, projectId, fixture(file));
    await page.goto(`${srv.url}/#/m/${up.body.data.media.id}`);
    await page.waitForSelector('main[data-ready="1"]');
    await page.getByTestId('start-session').click();
    await page.waitForSelector('[data-testid=session-status][data-status=OPEN]');
    await page.waitForSelector('[data-testid=stage][data-frame="0"]');
  }

  it('tracks a clicked disc: frames arrive live and the overlay follows it', async () => {
    await openVideo('discs.mp4');
    const [cx, cy] = DISCS[0]!.path(0);
    await clickAt(stage(), cx, cy, W, H);
    await page.waitForSelector('[data-testid=stage][data-objects="1"]');
    expect(iou(await overlayPixels(page, 'video-frame0', W, H), discMask(0, 0))).toBeGreaterThan(0.75);

    // Every value the timeline's count of done frames takes, as the page sees it.
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid=timeline]')!;
      const seen: number[] = ((window as unknown as { seen: number[] }).seen = []);
      new MutationObserver(() => seen.push(Number(el.getAttribute('data-done-frames')))).observe(el, { attributes: true, attributeFilter: ['data-done-frames'] });
    });
    await page.getByTestId('propagate-forward').click();
    await page.waitForSelector('[data-testid=job-status][data-status=COMPLETED]', { timeout: 120_000 });
    await page.waitForSelector(`[data-testid=timeline][data-done-frames="${N}"]`);
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    const between = new Set(seen.filter((n) => n > 1 && n < N));
    expect(between.size).toBeGreaterThan(3); // frames came one after another, not at once
    expect(seen.every((n, i) => i === 0 || n >= seen[i - 1]!)).toBe(true);

    // The disc moves across the picture; the overlay is where it is on each frame.
    expect(iou(discMask(0, 0), discMask(0, N - 1))).toBeLessThan(0.1);
    for (const f of [20, 40, N - 1]) {
      await seek(f);
      expect(iou(await overlayPixels(page, `video-frame${f}`, W, H), discMask(0, f))).toBeGreaterThan(0.7);
    }
    // The README's picture of the page.
    await seek(40);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, 'readme-video');
  }, 180_000);

  it('cancels a propagation, closes the session and reopens it with its masks', async () => {
    await openVideo('discs-long.mp4');
    const [cx, cy] = DISCS[1]!.path(0);
    await clickAt(stage(), cx, cy, W, H);
    await page.waitForSelector('[data-testid=stage][data-objects="1"]');
    await page.getByTestId('follow').uncheck();
    await page.getByTestId('propagate-forward').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=timeline]')!.getAttribute('data-done-frames')) > 3);

    // Meanwhile the jobs page shows it live: a bar that moves, and an ETA.
    const jobs = await bed.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await jobs.goto(`${srv.url}/#/jobs`);
    const row = jobs.locator('[data-testid=job-row][data-status=RUNNING]');
    await row.waitFor();
    const first = Number(await row.getByRole('progressbar').getAttribute('aria-valuenow'));
    await jobs.waitForFunction((v) => Number(document.querySelector('[data-testid=job-row][data-status=RUNNING] [role=progressbar]')?.getAttribute('aria-valuenow')) > v, first);
    await jobs.waitForFunction(() => /ETA \d/.test(document.querySelector('[data-testid=job-row][data-status=RUNNING]')?.textContent ?? ''));
    await shoot(jobs, 'jobs-running');

    await page.getByTestId('cancel-job').click();
    await page.waitForSelector('[data-testid=job-status][data-status=CANCELLED]', { timeout: 30_000 });
    await jobs.waitForSelector('[data-testid=job-row][data-status=CANCELLED]');
    await jobs.close();
    const done = Number(await page.getByTestId('timeline').getAttribute('data-done-frames'));
    expect(done).toBeGreaterThan(3);
    expect(done).toBeLessThan(400);

    await page.getByTestId('close-session').click();
    await page.waitForSelector('[data-testid=session-status][data-status=CLOSED]');
    await page.getByTestId('reopen-session').click();
    await page.waitForSelector('[data-testid=session-status][data-status=OPEN]');
    expect(Number(await page.getByTestId('timeline').getAttribute('data-done-frames'))).toBeGreaterThanOrEqual(done);
    // A reload finds the same session and its stored masks.
    await page.reload();
    await page.waitForSelector('main[data-ready="1"] [data-testid=session-status][data-status=OPEN]');
    expect(Number(await page.getByTestId('timeline').getAttribute('data-done-frames'))).toBeGreaterThanOrEqual(done);
  }, 120_000);
});
