// models/<name>/model.json: what a model folder holds and how to feed it (DESIGN.md §4).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

const dim = z.union([z.number().int().nonnegative(), z.string().min(1)]);
const tensorSpec = z.object({ type: z.string().min(1), shape: z.array(dim) });
const graphIo = z.object({ inputs: z.record(tensorSpec), outputs: z.record(tensorSpec) });

export const manifestSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
  family: z.enum(['sam', 'sam2', 'grounding']),
  version: z.string().min(1).default('1'),
  description: z.string().optional(),
  files: z.record(z.string().min(1)),
  preprocessing: z.object({
    inputSize: z.number().int().positive().default(1024),
    resize: z.enum(['square', 'longest']),
    pixelScale: z.union([z.literal(1), z.literal(255)]),
    mean: z.array(z.number()).length(3),
    std: z.array(z.number().positive()).length(3),
  }),
  capabilities: z
    .object({
      points: z.boolean().default(true),
      box: z.boolean().default(true),
      maskInput: z.boolean().default(true),
      multimask: z.boolean().default(true),
      video: z.boolean().default(false),
      text: z.boolean().default(false),
    })
    .default({}),
  io: z.record(graphIo),
  /** For sam/sam2: the grounding model that turns text into boxes for this model. */
  grounding: z.string().min(1).optional(),
  /** For grounding: how phrases are tokenized (CLIP BPE, files.vocab and files.merges). */
  text: z.object({ maxLength: z.number().int().positive().default(16), padId: z.number().int().nonnegative().default(0) }).optional(),
});

export type ModelManifest = z.infer<typeof manifestSchema>;
export type TensorSpec = z.infer<typeof tensorSpec>;
export type GraphIo = z.infer<typeof graphIo>;

export async function readManifest(modelDir: string): Promise<ModelManifest> {
  const file = path.join(modelDir, 'model.json');
  const raw = JSON.parse(await readFile(file, 'utf8')) as unknown;
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
