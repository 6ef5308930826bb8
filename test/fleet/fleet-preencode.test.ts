// Background encoding in a fleet (PREENCODE_IMAGES=true): the api process that stores an image
// loads no model; it asks the image's worker — the one its clicks are routed to — to encode it,
// so the first click, through the api, is a cache hit there.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeRle } from '../../src/engine/masks/coco-rle.js';
import { drawPicture, iou, toPng } from '../support/draw.js';
import { startFleet, type Fleet } from '../support/fleet.js';
import { httpClient } from '../support/gql.js';
import { sharedUrls } from '../support/redis.js';
import { waitFor } from '../support/tracking.js';

const CLICK = 'mutation($m: ID!) { segmentImage(input: { mediaId: $m, objects: [{ points: [{ x: 0.375, y: 0.5 }] }] }) { cacheHit objects { mask { rle { size counts } } } } }';

describe.skipIf(!sharedUrls)('background encoding in a fleet (one api, one worker)', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({ apis: 1, workers: 1, name: 'fleet-preencode', urls: sharedUrls!, modelsDir: inject('modelsDir'), template: inject('postgresTemplate'), env: { PREENCODE_IMAGES: 'true' } });
  }, 180_000);
  afterAll(async () => {
    await fleet?.dispose();
  }, 60_000);

  it('an image stored through the api is encoded on its worker before the first click, which is a cache hit', async () => {
    const [api, worker] = [fleet.apis[0]!, fleet.workers[0]!];
    const gql = httpClient(api.url);
    const projectId = (await gql.request('mutation { createProject(input: { name: "p" }) { project { id } } }')).createProject.project.id;
    const pic = drawPicture(160, 120, [{ kind: 'disc', color: [40, 60, 200], x: 60, y: 60, r: 30 }]);
    const mediaId = (await gql.request('mutation($p: ID!, $b: String!) { addMedia(input: { projectId: $p, base64: $b }) { media { id } } }', { p: projectId, b: (await toPng(pic)).toString('base64') })).addMedia.media.id;
    // Cached once the encoding is done (the encoder-run count moves as it starts).
    await waitFor(async () => (await fleet.metric(worker, 'maskql_embedding_cache_bytes')) > 0);
    const first = (await gql.request(CLICK, { m: mediaId })).segmentImage;
    expect(first.cacheHit).toBe(true);
    expect(iou(decodeRle(first.objects[0].mask.rle).data, pic.masks[0]!)).toBeGreaterThanOrEqual(0.9);
    expect(await fleet.metric(worker, 'maskql_encoder_runs_total')).toBe(1);
    expect(await fleet.metric(worker, 'maskql_fleet_calls_served_total{call="media.preencode",outcome="ok"}')).toBe(1);
    // The api loaded no model for it.
    const health = (await (await fetch(`${api.url}/healthz`)).json()) as { models: { state: string }[] };
    expect(health.models.filter((m) => m.state !== 'unloaded')).toEqual([]);
  });
});
