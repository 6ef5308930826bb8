// maskql track: a video from clicks to per-frame masks (JSON), through a tracking session.
import path from 'node:path';
import { AddPromptDocument, AddTextPromptDocument, CloseSessionDocument, FrameMasksDocument, PropagateDocument, StartSessionDocument, type PropagationDirection } from '../../client/generated/graphql.js';
import { CliError } from './client.js';
import { followJob } from './jobs.js';
import { MASKED_VIDEO_HELP, maskedVideoPlan, writeMaskedVideo } from './masked-video.js';
import { box, COMMON_HELP, connect, numbers, output, parse, projectId } from './options.js';
import { progressBar } from './progress.js';

export const TRACK_HELP = `maskql track VIDEO --click FRAME:X,Y [...] [--direction forward|backward|both] [--out FILE] [--masked-video FILE]

Uploads the video, opens a tracking session, prompts objects, propagates, and writes every
frame's masks as JSON (COCO RLE per object per frame) to FILE or stdout. With --masked-video,
it then exports the video with its masks applied (a job on the server) and downloads it.

Prompts (frames count from 0; coordinates in [0,1] unless --pixels):
  --click FRAME:X,Y[:neg][@OBJ]  a point; a new object unless @OBJ names one; :neg removes
  --box FRAME:X,Y,W,H[@OBJ]      a box
  --phrase FRAME:TEXT            one object per instance of TEXT on that frame
  --direction DIR                forward (default), backward or both, from --start
  --start FRAME                  where propagation starts (default: the earliest prompted frame)
  --pixels                       coordinates are pixels
  --model NAME                   a model other than the server's default
  --project ID                   the project to upload into (default: one named "cli")
  --keep-open                    leave the session open (default: close it at the end)
  --out FILE                     write the JSON there instead of stdout
${MASKED_VIDEO_HELP}

${COMMON_HELP}`;

const CLICK = /^(\d+):([^:@]+)(?::(pos|neg))?(?:@(\d+))?$/;

export async function track(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    click: { type: 'string', multiple: true },
    box: { type: 'string', multiple: true },
    phrase: { type: 'string', multiple: true },
    direction: { type: 'string' },
    start: { type: 'string' },
    pixels: { type: 'boolean' },
    model: { type: 'string' },
    project: { type: 'string' },
    'keep-open': { type: 'boolean' },
    out: { type: 'string' },
    'masked-video': { type: 'string' },
    effect: { type: 'string' },
    opacity: { type: 'string' },
  });
  if (values.help) return (console.log(TRACK_HELP), 0);
  const [file] = positionals;
  if (!file) throw new CliError('track: which video? (maskql track --help)', 'USAGE');
  const direction = (values.direction ?? 'forward').toUpperCase() as PropagationDirection;
  if (!['FORWARD', 'BACKWARD', 'BOTH'].includes(direction)) throw new CliError(`--direction: forward, backward or both, not "${values.direction}"`, 'USAGE');
  const prompts = [
    ...(values.click ?? []).map((c) => {
      const m = CLICK.exec(c);
      if (!m) throw new CliError(`--click: expected FRAME:X,Y[:neg][@OBJ], got "${c}"`, 'USAGE');
      const [x, y] = numbers(m[2]!, 2, '--click');
      return { frameIndex: Number(m[1]), objectId: m[4] ? Number(m[4]) : undefined, points: [{ x: x!, y: y!, label: m[3] === 'neg' ? ('NEGATIVE' as const) : ('POSITIVE' as const) }] };
    }),
    ...(values.box ?? []).map((b) => {
      const m = /^(\d+):([^@]+)(?:@(\d+))?$/.exec(b);
      if (!m) throw new CliError(`--box: expected FRAME:X,Y,W,H[@OBJ], got "${b}"`, 'USAGE');
      return { frameIndex: Number(m[1]), objectId: m[3] ? Number(m[3]) : undefined, box: box(m[2]!) };
    }),
  ];
  const phrases = (values.phrase ?? []).map((p) => {
    const m = /^(\d+):(.+)$/.exec(p);
    if (!m) throw new CliError(`--phrase: expected FRAME:TEXT, got "${p}"`, 'USAGE');
    return { frameIndex: Number(m[1]), text: m[2]! };
  });
  if (!prompts.length && !phrases.length) throw new CliError('track: no prompt: give --click, --box or --phrase', 'USAGE');
  const masked = maskedVideoPlan(values);

  const client = connect(values);
  try {
    const project = await projectId(client, values.project, 'cli');
    const bar = progressBar('upload', ' B');
    bar.start(1, 0);
    const media = await client.upload(project, file, (sent, total) => (bar.setTotal(total), bar.update(sent))).finally(() => bar.stop());
    if (media.kind !== 'VIDEO') throw new CliError(`${file} is an image: use maskql segment`, 'USAGE');
    const { startSession } = await client.request(StartSessionDocument, { input: { mediaId: media.id, model: values.model } });
    const sessionId = startSession.session.id;
    try {
      const coordinates = values.pixels ? ('PIXELS' as const) : ('NORMALIZED' as const);
      for (const p of prompts) await client.request(AddPromptDocument, { input: { sessionId, coordinates, ...p } });
      for (const p of phrases) await client.request(AddTextPromptDocument, { input: { sessionId, ...p } });
      const { propagate } = await client.request(PropagateDocument, { input: { sessionId, direction, startFrame: values.start !== undefined ? Number(values.start) : undefined } });
      const job = await followJob(client, propagate.job.id, 'propagate');
      if (job.status !== 'COMPLETED') throw new CliError(`propagation ${job.status.toLowerCase()}${job.error ? `: ${job.error.message}` : ''}`, job.error?.code ?? job.status);
      const frames = [];
      for (let from = 0; from < (media.frameCount ?? 0); from += 2000) {
        const { frameMasks } = await client.request(FrameMasksDocument, { sessionId, fromFrame: from, limit: 2000 });
        frames.push(...frameMasks.map((f) => ({ frameIndex: f.frameIndex, objects: f.objects.filter((o) => o.mask).map((o) => ({ objectId: o.objectId, segmentation: o.mask!.rle, bbox: o.mask!.bbox, area: o.mask!.area, score: o.mask!.score })) })));
      }
      await output(values.out, { video: { file: path.basename(file), mediaId: media.id, width: media.width, height: media.height, frameCount: media.frameCount }, sessionId, jobId: job.id, direction, frames });
      process.stderr.write(`${path.basename(file)}: ${frames.length} frame(s) with masks\n`);
      if (masked) process.stderr.write(`${masked.file}: ${await writeMaskedVideo(client, sessionId, masked)} bytes (masked video)\n`);
      return 0;
    } finally {
      if (!values['keep-open']) await client.request(CloseSessionDocument, { input: { sessionId } }).catch(() => undefined);
    }
  } finally {
    await client.dispose();
  }
}
