// maskql segment: images from files -> COCO JSON, by points, boxes and phrases.
import path from 'node:path';
import { SegmentImageDocument, type SegmentImageInput } from '../../client/generated/graphql.js';
import { CliError, type MaskqlClient } from './client.js';
import { CocoDataset } from './coco.js';
import { box, COMMON_HELP, connect, numbers, output, parse, projectId } from './options.js';
import { progressBar } from './progress.js';

export const SEGMENT_HELP = `maskql segment IMAGE... [prompts] [--out FILE]

Uploads each image, segments it with the same prompts, and writes COCO JSON (images,
categories, annotations with RLE segmentation and score) to FILE or stdout.

Prompts (repeat freely; each --point, --box and --object is one object, each --phrase finds
every instance of it). Coordinates are in [0,1] of the image unless --pixels:
  --point X,Y              an object from one positive click
  --box X,Y,W,H            an object from a box
  --object "SPEC ..."      an object from several prompts: p:X,Y (positive point),
                           n:X,Y (negative point), b:X,Y,W,H (box), space-separated
  --phrase TEXT            every instance of TEXT (a model with a grounding companion)
  --pixels                 coordinates are pixels
  --multimask              every mask the model proposes per object, best first
  --model NAME             a model other than the server's default
  --project ID             the project to upload into (default: one named "cli", made if missing)
  --out FILE               write the JSON there instead of stdout

${COMMON_HELP}`;

type ObjectInput = NonNullable<SegmentImageInput['objects']>[number];

function objectSpec(spec: string): ObjectInput {
  const obj: ObjectInput = { points: [] };
  for (const part of spec.trim().split(/\s+/)) {
    const [kind, value] = [part.slice(0, 2), part.slice(2)];
    if (kind === 'p:' || kind === 'n:') {
      const [x, y] = numbers(value, 2, 'point');
      obj.points!.push({ x: x!, y: y!, label: kind === 'p:' ? 'POSITIVE' : 'NEGATIVE' });
    } else if (kind === 'b:') obj.box = box(value);
    else throw new CliError(`--object: "${part}" is not p:X,Y, n:X,Y or b:X,Y,W,H`, 'USAGE');
  }
  return obj;
}

export async function segment(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    point: { type: 'string', multiple: true },
    box: { type: 'string', multiple: true },
    object: { type: 'string', multiple: true },
    phrase: { type: 'string', multiple: true },
    pixels: { type: 'boolean' },
    multimask: { type: 'boolean' },
    model: { type: 'string' },
    project: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help) return (console.log(SEGMENT_HELP), 0);
  const objects: ObjectInput[] = [
    ...(values.point ?? []).map((p) => objectSpec(`p:${p}`)),
    ...(values.box ?? []).map((b) => objectSpec(`b:${b}`)),
    ...(values.object ?? []).map(objectSpec),
    ...(values.phrase ?? []).map((text) => ({ text })),
  ];
  if (!positionals.length) throw new CliError('segment: which images? (maskql segment --help)', 'USAGE');
  if (!objects.length) throw new CliError('segment: no prompt: give --point, --box, --object or --phrase', 'USAGE');
  const client = connect(values);
  try {
    const project = await projectId(client, values.project, 'cli');
    const coco = new CocoDataset();
    for (const file of positionals) await segmentOne(client, project, file, objects, values, coco);
    await output(values.out, coco);
    return 0;
  } finally {
    await client.dispose();
  }
}

async function segmentOne(client: MaskqlClient, project: string, file: string, objects: ObjectInput[], values: { pixels?: boolean; multimask?: boolean; model?: string }, coco: CocoDataset): Promise<void> {
  const bar = progressBar(path.basename(file), ' B');
  bar.start(1, 0);
  const media = await client.upload(project, file, (sent, total) => (bar.setTotal(total), bar.update(sent))).finally(() => bar.stop());
  if (media.kind !== 'IMAGE') throw new CliError(`${file} is a ${media.kind.toLowerCase()}: use maskql track for videos`, 'USAGE');
  const { segmentImage } = await client.request(SegmentImageDocument, {
    input: { mediaId: media.id, objects, coordinates: values.pixels ? 'PIXELS' : 'NORMALIZED', multimask: values.multimask ?? false, model: values.model },
  });
  const imageId = coco.addImage(path.basename(file), segmentImage.width, segmentImage.height, media.id);
  for (const o of segmentImage.objects) {
    const masks = values.multimask ? o.masks : o.mask ? [o.mask] : [];
    for (const [rank, m] of masks.entries()) coco.addAnnotation(imageId, o.phrase ?? o.label ?? 'object', m, { maskql_object: o.index, ...(values.multimask ? { maskql_rank: rank } : {}), ...(o.detectionScore != null ? { detection_score: o.detectionScore } : {}) });
  }
  process.stderr.write(`${path.basename(file)}: ${segmentImage.objects.length} object(s) in ${Math.round(segmentImage.timings.totalMs)} ms\n`);
}
