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
  @Field({ description: 'Point prompts (positive and negative clicks).' }) points: boolean;
  @Field({ description: 'Box prompts.' }) box: boolean;
  @Field({ description: 'A previous low-resolution mask as a prompt (refinement).' }) maskInput: boolean;
  @Field({ description: 'Several candidate masks per prompt (multimask).' }) multimask: boolean;
  @Field({ description: 'Video tracking with a memory bank (sessions use SAM2_VIDEO).' }) video: boolean;
  @Field({ description: 'Text prompts (through its grounding companion).' }) text: boolean;
}

@ObjectType({ description: 'A model of the repository (MODELS_DIR/<name>/model.json).' })
export class Model {
  @Field({ description: 'Its folder name under MODELS_DIR; what `model` arguments take. Unique.' }) name: string;
  @Field(() => ModelFamily, { nullable: true, description: 'The export it follows; null when its manifest is unreadable.' }) family: `${ModelFamily}` | null;
  @Field(() => String, { nullable: true, description: 'The version its manifest gives, if any.' }) version: string | null;
  @Field(() => String, { nullable: true, description: 'What its manifest says of it, for people.' }) description: string | null;
  @Field(() => ModelCapabilities, { nullable: true, description: 'What prompts and features it accepts; null when its manifest is unreadable.' }) capabilities: ModelCapabilities | null;
  @Field(() => Device, { nullable: true, description: 'Where it runs (or will run when loaded).' }) device: `${Device}` | null;
  @Field(() => ModelState, { description: 'Where it is in its life: unloaded, loading, loaded or failed.' }) state: `${ModelState}`;
  @Field({ description: 'Whether it is in memory now (state LOADED).' }) loaded: boolean;
  @Field({ description: 'Whether requests can use it (any state but FAILED).' }) available: boolean;
  @Field(() => Float, { nullable: true, description: 'How long loading took, in milliseconds; null until loaded.' }) loadTimeMs: number | null;
  @Field(() => Int, { nullable: true, description: 'Side of the square model input' }) inputSize: number | null;
  @Field({ description: 'Whether requests without a model use this one' }) isDefault: boolean;
  @Field(() => String, { nullable: true, description: 'Why it is unavailable' }) error: string | null;
  @Field(() => String, { nullable: true, description: 'The grounding model that serves its text prompts' }) grounding: string | null;
}
