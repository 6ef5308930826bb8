import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../common/connection.type.js';
import { Job } from '../job/job.type.js';
import { Mask } from '../segmentation/segmentation.type.js';
import { Node } from '../common/node.type.js';

export enum SessionStatus {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}
registerEnumType(SessionStatus, { name: 'SessionStatus' });

export enum PropagationDirection {
  FORWARD = 'FORWARD',
  BACKWARD = 'BACKWARD',
  BOTH = 'BOTH',
}
registerEnumType(PropagationDirection, {
  name: 'PropagationDirection',
  description: 'BOTH: forward from the start frame to the end, then backward from the frame before it to the first.',
});

export enum SessionEventKind {
  FRAME = 'FRAME',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(SessionEventKind, { name: 'SessionEventKind' });

@ObjectType()
export class TrackedObject {
  @Field(() => Int, { description: '1, 2, 3, ... within the session' }) objectId: number;
  @Field(() => String, { nullable: true }) label: string | null;
  @Field(() => [Int], { description: 'Frames where this object has prompts' }) promptedFrames: number[];
}

@ObjectType({ description: 'One object’s mask on one frame; mask is null where the object is absent.' })
export class ObjectMask {
  @Field(() => Int) objectId: number;
  @Field(() => Mask, { nullable: true }) mask: Mask | null;
}

@ObjectType()
export class FrameMasks {
  @Field(() => Int) frameIndex: number;
  @Field(() => [ObjectMask]) objects: ObjectMask[];
}

@ObjectType({ implements: Node, description: 'An interactive tracking session over one video with one model.' })
export class Session {
  @Field(() => ID) id: string;
  @Field(() => ID) mediaId: string;
  @Field() model: string;
  @Field(() => SessionStatus) status: SessionStatus;
  @Field(() => String, { nullable: true, description: 'Why it closed: closed, idle, or reset' }) closeReason: string | null;
  @Field({ description: 'Whether its model state is in memory now (an OPEN session is rebuilt on use when not)' }) live: boolean;
  @Field(() => String, { nullable: true, description: 'sam2-video (memory bank) or previous-mask' }) tracker: string | null;
  @Field(() => [TrackedObject]) objects: TrackedObject[];
  @Field(() => Int, { description: 'Frames with stored masks' }) framesProcessed: number;
  @Field(() => Int) totalFrames: number;
  @Field(() => Float, { description: 'Bytes of model state held in memory for this session' }) memoryBytes: number;
  @Field(() => Job, { nullable: true, description: 'The propagation running now, if any' }) activeJob: Job | null;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime) lastActivityAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) closedAt: Date | null;
}

@ObjectType()
export class SessionConnection extends ConnectionType(Session, 'Session') {}

@ObjectType()
export class SessionPayload {
  @Field(() => Session) session: Session;
}

@ObjectType()
export class AddPromptPayload {
  @Field(() => Session) session: Session;
  @Field(() => Int, { description: 'The object prompted (new or existing)' }) objectId: number;
  @Field(() => FrameMasks, { description: 'Masks of all objects on the prompted frame' }) frame: FrameMasks;
}

@ObjectType()
export class AddTextPromptPayload {
  @Field(() => Session) session: Session;
  @Field(() => [Int], { description: 'The objects created, one per instance found (empty when none)' }) objectIds: number[];
  @Field(() => FrameMasks, { description: 'Masks of all objects on the frame' }) frame: FrameMasks;
}

@ObjectType()
export class CloseSessionPayload {
  @Field(() => Session) session: Session;
  @Field(() => Float, { description: 'Bytes of model state released' }) freedBytes: number;
}

@ObjectType()
export class PropagatePayload {
  @Field(() => Job) job: Job;
}

@ObjectType({ description: 'A frame of a propagation, or its end (then job is set).' })
export class SessionEvent {
  @Field(() => SessionEventKind) kind: SessionEventKind;
  @Field(() => ID) sessionId: string;
  @Field(() => ID) jobId: string;
  @Field(() => FrameMasks, { nullable: true }) frame: FrameMasks | null;
  @Field(() => Job, { nullable: true }) job: Job | null;
}
