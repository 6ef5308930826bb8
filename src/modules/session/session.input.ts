import { ArgsType, Field, Float, ID, InputType, Int, Extensions } from 'type-graphql';
import { listCap } from '../common/list-cap.js';
import { Length, Max, Min } from 'class-validator';
import { ClientRequestIdField } from '../idempotency/client-request-id.js';
import { PageArgs } from '../common/connection.type.js';
import { BoxInput, CoordinateSpace, PointInput } from '../segmentation/segmentation.input.js';
import { PropagationDirection, SessionStatus } from './session.type.js';

@InputType({ description: 'Input of startSession.' })
export class StartSessionInput {
  @Field(() => ID, { description: 'A video (or an image) media item.' }) mediaId: string;
  @Field(() => String, { nullable: true, description: 'A model name (see the models query); DEFAULT_MODEL when omitted.' }) model?: string | null;
}

@InputType({ description: 'Points and/or a box for one object on one frame.' })
export class AddPromptInput {
  @Field(() => ID, { description: 'The session.' }) sessionId: string;
  @Field(() => Int, { description: 'The frame, 0-based (0 for an image).' }) frameIndex: number;
  @Field(() => Int, { nullable: true, description: 'An existing object to refine; omit to create a new object' }) objectId?: number | null;
  @Field(() => String, { nullable: true, description: 'Label of a new object' })
  @Length(1, 200)
  label?: string | null;
  @Field(() => [PointInput], { defaultValue: [], description: 'Clicks: positive on the object, negative off it (at most MAX_POINTS_PER_OBJECT).' })
  @Extensions(listCap('points'))
  points: PointInput[];
  @Field(() => BoxInput, { nullable: true, description: 'A box around the object, [x, y, w, h].' }) box?: BoxInput | null;
  @Field(() => CoordinateSpace, { defaultValue: CoordinateSpace.NORMALIZED, description: 'The space of points and box.' }) coordinates: CoordinateSpace;
  @Field({ defaultValue: false, description: 'Replace this object’s earlier prompts on this frame instead of adding to them' })
  clearExisting: boolean;
}

@InputType({ description: 'Clears prompts: of one object (on one frame or all), or on one frame (all objects).' })
export class ClearPromptsInput {
  @Field(() => ID, { description: 'The session.' }) sessionId: string;
  @Field(() => Int, { nullable: true, description: 'Only this object’s prompts; null = every object (then frameIndex is required).' }) objectId?: number | null;
  @Field(() => Int, { nullable: true, description: 'Only prompts on this frame; null = every frame.' }) frameIndex?: number | null;
}

@InputType({ description: 'Input of removeObject.' })
export class RemoveObjectInput {
  @Field(() => ID, { description: 'The session.' }) sessionId: string;
  @Field(() => Int, { description: 'The object to remove.' }) objectId: number;
}

@InputType({ description: 'A session, for resetSession, closeSession and reopenSession.' })
export class SessionIdInput {
  @Field(() => ID, { description: 'The session.' }) sessionId: string;
}

@InputType({ description: 'Input of propagate.' })
export class PropagateInput {
  @Field(() => ID, { description: 'The session; it needs at least one prompt.' }) sessionId: string;
  @Field(() => PropagationDirection, { defaultValue: PropagationDirection.FORWARD, description: 'Which way to run from the start frame.' }) direction: PropagationDirection;
  @Field(() => Int, { nullable: true, description: 'Default: the earliest prompted frame' }) startFrame?: number | null;
  @Field(() => Int, { nullable: true, description: 'At most this many frames in each direction, the start frame included' })
  @Min(1)
  maxFrames?: number | null;
  @ClientRequestIdField() clientRequestId?: string | null;
}

@ArgsType()
export class SessionListArgs extends PageArgs {
  @Field(() => SessionStatus, { nullable: true, description: 'Only sessions with this status.' }) status?: SessionStatus | null;
  @Field(() => ID, { nullable: true, description: 'Only sessions on this media item.' }) mediaId?: string | null;
}

@ArgsType()
export class FrameMasksArgs {
  @Field(() => ID, { description: 'The session.' }) sessionId: string;
  @Field(() => Int, { defaultValue: 0, description: 'The first frame, inclusive.' }) fromFrame: number;
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
  @Field(() => ID, { description: 'The session; its model needs a grounding companion.' }) sessionId: string;
  @Field(() => Int, { description: 'The frame, 0-based.' }) frameIndex: number;
  @Field({ description: 'A short phrase naming what to find, e.g. "red car".' }) text: string;
  @Field(() => Float, { defaultValue: 0.5, description: 'Minimum detection score, 0 to 1, for an instance to become an object.' }) detectionThreshold: number;
}
