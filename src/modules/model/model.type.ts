import { Field, Float, Int, ObjectType } from 'type-graphql';

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
  @Field(() => String, { nullable: true, description: 'sam or sam2' }) family: string | null;
  @Field(() => String, { nullable: true }) version: string | null;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => ModelCapabilities, { nullable: true }) capabilities: ModelCapabilities | null;
  @Field(() => String, { nullable: true, description: 'cpu or cuda: where it runs (or will run when loaded)' }) device: string | null;
  @Field({ description: 'unloaded, loading, loaded or failed' }) state: string;
  @Field() loaded: boolean;
  @Field() available: boolean;
  @Field(() => Float, { nullable: true }) loadTimeMs: number | null;
  @Field(() => Int, { nullable: true, description: 'Side of the square model input' }) inputSize: number | null;
  @Field({ description: 'Whether requests without a model use this one' }) isDefault: boolean;
  @Field(() => String, { nullable: true, description: 'Why it is unavailable' }) error: string | null;
  @Field(() => String, { nullable: true, description: 'The grounding model that serves its text prompts' }) grounding: string | null;
}
