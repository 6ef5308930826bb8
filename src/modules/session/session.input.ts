import { ArgsType, Field, Float, ID, InputType, Int, Extensions } from 'type-graphql';
import { listCap } from '../common/list-cap.js';
import { Length, Max, Min } from 'class-validator';
import { PageArgs } from '../common/connection.type.js';
import { BoxInput, CoordinateSpace, PointInput } from '../segmentation/segmentation.input.js';
import { PropagationDirection, SessionStatus } from './session.type.js';

@InputType()
export class StartSessionInput {
  @Field(() => ID, { description: 'A video (or an image) media' }) mediaId: string;
  @Field(() => String, { nullable: true, description: 'DEFAULT_MODEL when omitted' }) model?: string | null;
}

@InputType({ description: 'Points and/or a box for one object on one frame.' })
export class AddPromptInput {
  @Field(() => ID) sessionId: string;
  @Field(() => Int) frameIndex: number;
  @Field(() => Int, { nullable: true, description: 'An existing object to refine; omit to create a new object' }) objectId?: number | null;
  @Field(() => String, { nullable: true, description: 'Label of a new object' })
  @Length(1, 200)
  label?: string | null;
  @Field(() => [PointInput], { defaultValue: [] })
  @Extensions(listCap('points'))
  points: PointInput[];
  @Field(() => BoxInput, { nullable: true }) box?: BoxInput | null;
  @Field(() => CoordinateSpace, { defaultValue: CoordinateSpace.NORMALIZED }) coordinates: CoordinateSpace;
  @Field({ defaultValue: false, description: 'Replace this object’s earlier prompts on this frame instead of adding to them' })
  clearExisting: boolean;
}

@InputType({ description: 'Clears prompts: of one object (on one frame or all), or on one frame (all objects).' })
export class ClearPromptsInput {
  @Field(() => ID) sessionId: string;
  @Field(() => Int, { nullable: true }) objectId?: number | null;
  @Field(() => Int, { nullable: true }) frameIndex?: number | null;
}

@InputType()
export class RemoveObjectInput {
  @Field(() => ID) sessionId: string;
  @Field(() => Int) objectId: number;
}

@InputType()
export class SessionIdInput {
  @Field(() => ID) sessionId: string;
}

@InputType()
export class PropagateInput {
  @Field(() => ID) sessionId: string;
  @Field(() => PropagationDirection, { defaultValue: PropagationDirection.FORWARD }) direction: PropagationDirection;
  @Field(() => Int, { nullable: true, description: 'Default: the earliest prompted frame' }) startFrame?: number | null;
  @Field(() => Int, { nullable: true, description: 'At most this many frames in each direction, the start frame included' })
  @Min(1)
  maxFrames?: number | null;
}

@ArgsType()
export class SessionListArgs extends PageArgs {
  @Field(() => SessionStatus, { nullable: true }) status?: SessionStatus | null;
  @Field(() => ID, { nullable: true }) mediaId?: string | null;
}

@ArgsType()
export class FrameMasksArgs {
  @Field(() => ID) sessionId: string;
  @Field(() => Int, { defaultValue: 0 }) fromFrame: number;
  @Field(() => Int, { nullable: true, description: 'Inclusive; default the last frame' }) toFrame?: number | null;
  @Field(() => [Int], { nullable: true, description: 'Only these objects' })
  @Extensions(listCap('ids'))
  objectIds?: number[] | null;
  @Field(() => Int, { defaultValue: 500, description: 'At most this many frames (max 2000)' })
  @Min(1)
  @Max(2000)
  limit: number;
}

@InputType({ description: 'A phrase on one frame: one new tracked object per instance found there.' })
export class AddTextPromptInput {
  @Field(() => ID) sessionId: string;
  @Field(() => Int) frameIndex: number;
  @Field() text: string;
  @Field(() => Float, { defaultValue: 0.5 }) detectionThreshold: number;
}
