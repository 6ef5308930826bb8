// The manifest check alone: every mismatch between model.json, the family's contract and what
// the graphs say of themselves is reported at once; symbolic dimensions match anything.
import { describe, expect, it } from 'vitest';
import { checkManifest, type SessionMetadata } from '../../src/engine/manifest-check.js';
import { manifestSchema } from '../../src/engine/manifest.js';

const manifest = manifestSchema.parse({
  name: 'tiny',
  family: 'sam',
  files: { encoder: 'encoder.onnx' },
  preprocessing: { inputSize: 64, resize: 'longest', pixelScale: 255, mean: [0, 0, 0], std: [1, 1, 1] },
  io: {
    encoder: {
      inputs: { image: { type: 'float32', shape: [1, 3, 64, 64] } },
      outputs: { embeddings: { type: 'float32', shape: [1, 'C', 4, 4] } },
    },
  },
});

const contract = { encoder: { inputs: ['image'], outputs: ['embeddings'] }, decoder: { inputs: ['point_coords'], outputs: ['masks'] } };

const tensor = (name: string, type: string, shape: (number | string)[]) => ({ name, isTensor: true, type, shape }) as unknown as SessionMetadata['inputMetadata'][number];

describe('checkManifest', () => {
  it('accepts graphs that agree, symbolic dimensions on either side matching anything', () => {
    const sessions = { encoder: { inputMetadata: [tensor('image', 'float32', [1, 3, 64, 64])], outputMetadata: [tensor('embeddings', 'float32', ['batch', 256, 4, 4])] } };
    expect(checkManifest(manifest, sessions, { encoder: contract.encoder })).toEqual([]);
  });

  it('reports every problem at once: a graph the family needs, a wrong type and rank, values on one side only', () => {
    const sessions = {
      encoder: {
        inputMetadata: [tensor('pixels', 'float32', [1, 3, 64, 64])],
        outputMetadata: [tensor('embeddings', 'float16', [1, 256, 8])],
      },
    };
    const problems = checkManifest(manifest, sessions, contract);
    expect(problems).toEqual(
      expect.arrayContaining([
        'files.decoder: missing (family sam needs it)',
        'io.decoder: missing',
        expect.stringMatching(/^encoder\.inputs\.image: declared in model\.json but the graph has no such value \(it has pixels\)/),
        'encoder.outputs.embeddings: type float32 in model.json, float16 in the graph',
        'encoder.outputs.embeddings: rank 4 in model.json, 3 in the graph',
        'encoder.inputs.pixels: in the graph but not declared in model.json',
      ]),
    );
    expect(problems).toHaveLength(6);
  });
});
