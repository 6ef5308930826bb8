import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

// GraphQL names are UPPER_CASE; the internal values stay the engine's strings (and /healthz's JSON).
export enum ModelState {
  UNLOADED = 'unloaded',
  LOADING = 'loading',
  LOADED = 'loaded',
  FAILED = 'failed',
}
registerEnumType(ModelState, {
  name: 'ModelState',
  description: 'Where a model is in its life: models load on first use (or at start with PRELOAD_MODELS).',
  valuesConfig: {
    UNLOADED: { description: 'Its manifest is valid; its graphs are not in memory yet.' },
    LOADING: { description: 'Its ONNX sessions are being created.' },
    LOADED: { description: 'In memory and serving requests.' },
    FAILED: { description: 'Its manifest or a graph is broken; `error` says why. Requests for it fail with MODEL_UNAVAILABLE.' },
  },
});

export enum Device {
  CPU = 'cpu',
  CUDA = 'cuda',
}
registerEnumType(Device, {
  name: 'Device',
  description: 'The ONNX Runtime execution provider a model runs on.',
  valuesConfig: {
    CPU: { description: 'The CPU execution provider.' },
    CUDA: { description: 'An NVIDIA GPU through the CUDA execution provider.' },
  },
});

export enum ModelFamily {
  SAM = 'sam',
  SAM2 = 'sam2',
  GROUNDING = 'grounding',
}
registerEnumType(ModelFamily, {
  name: 'ModelFamily',
  description: 'The contract between the engine and a model\'s ONNX graphs (the export it follows).',
  valuesConfig: {
    SAM: { description: 'Segment Anything: image encoder and the official prompt/mask decoder export. Images only.' },
    SAM2: { description: 'SAM 2: image encoder and decoder, plus memory attention and memory encoder for video tracking.' },
    GROUNDING: { description: 'An open-vocabulary detector that turns a phrase into boxes for a mask decoder.' },
  },
});

@ObjectType({ description: 'What a model accepts.' })
export class ModelCapabilities {
  @Field() points: boolean;
  @Field() box: boolean;
  @Field() maskInput: boolean;
  @Field() multimask: boolean;
  @Field() video: boolean;
  @Field() text: boolean;
}

@ObjectType({ description: 'A model of the repository (MODELS_DIR/<name>/model.json).' })
export class Model {
  @Field() name: string;
  @Field(() => ModelFamily, { nullable: true, description: 'sam or sam2' }) family: `${ModelFamily}` | null;
  @Field(() => String, { nullable: true }) version: string | null;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => ModelCapabilities, { nullable: true }) capabilities: ModelCapabilities | null;
  @Field(() => Device, { nullable: true, description: 'cpu or cuda: where it runs (or will run when loaded)' }) device: `${Device}` | null;
  @Field(() => ModelState, { description: 'unloaded, loading, loaded or failed' }) state: `${ModelState}`;
  @Field() loaded: boolean;
  @Field() available: boolean;
  @Field(() => Float, { nullable: true }) loadTimeMs: number | null;
  @Field(() => Int, { nullable: true, description: 'Side of the square model input' }) inputSize: number | null;
  @Field({ description: 'Whether requests without a model use this one' }) isDefault: boolean;
  @Field(() => String, { nullable: true, description: 'Why it is unavailable' }) error: string | null;
  @Field(() => String, { nullable: true, description: 'The grounding model that serves its text prompts' }) grounding: string | null;
}
