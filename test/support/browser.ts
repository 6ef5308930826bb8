// Chromium (Debian's package, driven by playwright-core) for the web app tests, with helpers to
// read what is on screen: screenshots saved as artifacts (test-artifacts/, git-ignored) and
// decoded to pixels, so tests check what a person sees, not only the DOM.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import sharp from 'sharp';
import { CreateProjectDocument } from '../../client/generated/graphql.js';
import { WEB_DIR } from '../../src/server/web-app.js';
import { httpClient } from './gql.js';
import { startTestServer, type TestServer } from './test-server.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve('test-artifacts', 'web');

/**
 * Whether the browser tests run here. A fresh machine without Chromium skips them with the reason
 * printed (like the PostgreSQL and Redis paths); CI installs Chromium, and under CI=true a missing
 * browser is a failure (launchBrowser throws), never a silent skip.
 */
export const browserAvailable = existsSync(CHROMIUM) || process.env.CI === 'true';
if (!browserAvailable) console.log(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium, or set CHROMIUM_PATH)`);

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(path.join(WEB_DIR, 'index.html'))) throw new Error(`the web app is not built (${WEB_DIR}): run \`npm run build\` (npm test does)`);
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium (.ci/run does), or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

export interface Shot {
  width: number;
  height: number;
  /** RGB, row-major. */
  rgb: Buffer;
}

/** A screenshot of an element, kept as test-artifacts/web/<name>.png and returned as pixels. */
export async function shoot(target: Locator | Page, name: string): Promise<Shot> {
  const png = await target.screenshot();
  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(path.join(ARTIFACTS, `${name}.png`), png);
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgb: data };
}

/**
 * Where two screenshots of the same picture differ (any channel by more than `threshold`),
 * sampled back onto the picture's own width x height grid: what an overlay added.
 */
export function changedPixels(before: Shot, after: Shot, width: number, height: number, threshold = 40): Uint8Array {
  const out = new Uint8Array(width * height);
  const sx = after.width / width;
  const sy = after.height / height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (Math.min(after.height - 1, Math.floor((y + 0.5) * sy)) * after.width + Math.min(after.width - 1, Math.floor((x + 0.5) * sx))) * 3;
      const d = Math.max(Math.abs(after.rgb[i]! - before.rgb[i]!), Math.abs(after.rgb[i + 1]! - before.rgb[i + 1]!), Math.abs(after.rgb[i + 2]! - before.rgb[i + 2]!));
      out[y * width + x] = d > threshold ? 1 : 0;
    }
  }
  return out;
}

/** Clicks at a picture pixel (x, y) of a canvas that shows a width x height picture scaled. */
export async function clickAt(canvas: Locator, x: number, y: number, width: number, height: number, opts: { shift?: boolean } = {}): Promise<void> {
  const box = (await canvas.boundingBox())!;
  await canvas.click({ position: { x: (x / width) * box.width, y: (y / height) * box.height }, modifiers: opts.shift ? ['Shift'] : [] });
}

/** The stage with masks off, then on: the pixels the masks add, on the picture's own grid. */
export async function overlayPixels(page: Page, name: string, width: number, height: number): Promise<Uint8Array> {
  const stage = page.getByTestId('stage');
  await page.getByTestId('show-masks').uncheck();
  const before = await shoot(stage, `${name}-plain`);
  await page.getByTestId('show-masks').check();
  return changedPixels(before, await shoot(stage, name), width, height);
}

export interface WebBed {
  srv: TestServer;
  browser: Browser;
  page: Page;
  projectId: string;
  stop(): Promise<void>;
}

/** A real server (with one project when named), and a Chromium page on it. */
export async function startWebBed(projectName: string | null, env: Record<string, string> = {}): Promise<WebBed> {
  const srv = await startTestServer({ env });
  const browser = await launchBrowser().catch(async (err) => {
    await srv.stop();
    throw err;
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const projectId = projectName === null ? '' : (await httpClient(srv.url).request(CreateProjectDocument, { input: { name: projectName } })).createProject.project.id;
  return {
    srv,
    browser,
    page,
    projectId,
    stop: async () => {
      await browser.close();
      await srv.stop();
    },
  };
}
