import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../common/connection.type.js';
import { Job } from '../job/job.type.js';
import { FrameMasks } from '../mask/mask.type.js';
import { Node } from '../common/node.type.js';

export enum SessionStatus {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}
registerEnumType(SessionStatus, {
  name: 'SessionStatus',
  description: 'Whether a session takes prompts.',
  valuesConfig: {
    OPEN: { description: 'Takes prompts and propagation; its model state is in memory or rebuilt on use.' },
    CLOSED: { description: 'Closed by closeSession or after SESSION_IDLE_TTL_SEC idle seconds; prompts and masks stay readable, reopenSession opens it again.' },
  },
});

export enum SessionTracker {
  SAM2_VIDEO = 'sam2-video',
  PREVIOUS_MASK = 'previous-mask',
}
registerEnumType(SessionTracker, {
  name: 'SessionTracker',
  description: 'How a session carries objects from frame to frame.',
  valuesConfig: {
    SAM2_VIDEO: { description: 'SAM 2 video tracking: memory attention over a memory bank of past frames.' },
    PREVIOUS_MASK: { description: 'For image-only models: each frame is prompted with the previous frame’s mask and box.' },
  },
});

export enum PropagationDirection {
  FORWARD = 'FORWARD',
  BACKWARD = 'BACKWARD',
  BOTH = 'BOTH',
}
registerEnumType(PropagationDirection, {
  name: 'PropagationDirection',
  description: 'Which way propagation runs from its start frame.',
  valuesConfig: {
    FORWARD: { description: 'From the start frame to the last frame.' },
    BACKWARD: { description: 'From the start frame to frame 0.' },
    BOTH: { description: 'Forward from the start frame to the end, then backward from the frame before it to the first.' },
  },
});

export enum SessionEventKind {
  FRAME = 'FRAME',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(SessionEventKind, {
  name: 'SessionEventKind',
  description: 'What a SessionEvent reports.',
  valuesConfig: {
    FRAME: { description: 'The masks of one frame (`frame` is set).' },
    COMPLETED: { description: 'The propagation job finished every frame (`job` is set; the stream ends).' },
    FAILED: { description: 'The propagation job failed (`job.error` says why; the stream ends).' },
    CANCELLED: { description: 'The propagation job was cancelled (`job` is set; the stream ends).' },
  },
});

@ObjectType({ description: 'An object tracked in a session, with the frames where it has prompts.' })
export class TrackedObject {
  @Field(() => Int, { description: '1, 2, 3, ... within the session' }) objectId: number;
  @Field(() => String, { nullable: true, description: 'The label given when it was created, if any.' }) label: string | null;
  @Field(() => [Int], { description: 'Frames where this object has prompts' }) promptedFrames: number[];
}

@ObjectType({ implements: Node, description: 'An interactive tracking session over one video with one model.' })
export class Session {
  @Field(() => ID, { description: 'Globally unique (a UUID).' }) id: string;
  @Field(() => ID, { description: 'The video (or image) it tracks in.' }) mediaId: string;
  @Field({ description: 'The name of the model it runs (see the models query).' }) model: string;
  @Field(() => SessionStatus, { description: 'OPEN or CLOSED.' }) status: SessionStatus;
  @Field(() => String, { nullable: true, description: 'Why it closed: "closed" (closeSession) or "idle" (SESSION_IDLE_TTL_SEC passed); null while open.' }) closeReason: string | null;
  @Field({ description: 'Whether its model state is in memory now (an OPEN session is rebuilt on use when not)' }) live: boolean;
  @Field(() => SessionTracker, { nullable: true, description: 'How objects are carried between frames; null while its state is not in memory.' }) tracker: `${SessionTracker}` | null;
  @Field(() => [TrackedObject], { description: 'Its objects, ascending by objectId.' }) objects: TrackedObject[];
  @Field(() => Int, { description: 'Frames with stored masks' }) framesProcessed: number;
  @Field(() => Int, { description: 'Frames of its media (1 for an image).' }) totalFrames: number;
  @Field(() => Float, { description: 'Bytes of model state held in memory for this session' }) memoryBytes: number;
  @Field(() => Job, { nullable: true, description: 'The propagation running now, if any' }) activeJob: Job | null;
  @Field(() => GraphQLISODateTime, { description: 'When it was started.' }) createdAt: Date;
  @Field(() => GraphQLISODateTime, { description: 'The last prompt, propagation or reopen; the idle TTL counts from here.' }) lastActivityAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it closed; null while open.' }) closedAt: Date | null;
}

@ObjectType({ description: 'A page of sessions, oldest first.' })
export class SessionConnection extends ConnectionType(Session, 'Session') {}

@ObjectType({ description: 'The result of a mutation on a session.' })
export class SessionPayload {
  @Field(() => Session, { description: 'The session as it is now.' }) session: Session;
}

@ObjectType({ description: 'The result of addPrompt.' })
export class AddPromptPayload {
  @Field(() => Session, { description: 'The session as it is now.' }) session: Session;
  @Field(() => Int, { description: 'The object prompted (new or existing)' }) objectId: number;
  @Field(() => FrameMasks, { description: 'Masks of all objects on the prompted frame' }) frame: FrameMasks;
}

@ObjectType({ description: 'The result of addTextPrompt.' })
export class AddTextPromptPayload {
  @Field(() => Session, { description: 'The session as it is now.' }) session: Session;
  @Field(() => [Int], { description: 'The objects created, one per instance found (empty when none)' }) objectIds: number[];
  @Field(() => FrameMasks, { description: 'Masks of all objects on the frame' }) frame: FrameMasks;
}

@ObjectType({ description: 'The result of closeSession.' })
export class CloseSessionPayload {
  @Field(() => Session, { description: 'The closed session.' }) session: Session;
  @Field(() => Float, { description: 'Bytes of model state released' }) freedBytes: number;
}

@ObjectType({ description: 'The result of propagate.' })
export class PropagatePayload {
  @Field(() => Job, { description: 'The propagation job, QUEUED or RUNNING; follow it with sessionEvents or jobProgress.' }) job: Job;
}

@ObjectType({ description: 'A frame of a propagation, or its end (then job is set).' })
export class SessionEvent {
  @Field(() => SessionEventKind, { description: 'A frame, or how the job ended.' }) kind: SessionEventKind;
  @Field(() => ID, { description: 'The session.' }) sessionId: string;
  @Field(() => ID, { description: 'The propagation job that produced it.' }) jobId: string;
  @Field(() => FrameMasks, { nullable: true, description: 'The masks of the frame (kind FRAME); null otherwise.' }) frame: FrameMasks | null;
  @Field(() => Job, { nullable: true, description: 'The job at its end (kind COMPLETED, FAILED or CANCELLED); null for a frame.' }) job: Job | null;
}
