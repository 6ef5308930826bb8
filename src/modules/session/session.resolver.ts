import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { translated } from '../common/client-errors.js';
import type { Context } from '../common/context.js';
import type { SessionEvent as SessionEventPayload } from '../../events/topics.js';
import { toJob } from '../job/job.mapper.js';
import { Job } from '../job/job.type.js';
import { toFrameMasks } from '../mask/mask.mapper.js';
import { FrameMasks } from '../mask/mask.type.js';
import { AddPromptInput, AddTextPromptInput, ClearPromptsInput, FrameMasksArgs, PropagateInput, RemoveObjectInput, SessionIdInput, SessionListArgs, StartSessionInput } from './session.input.js';
import type { SessionRow } from './session.repository.js';
import type { LiveInfo } from './session.service.js';
import {
  AddPromptPayload,
  AddTextPromptPayload,
  CloseSessionPayload,
  PropagatePayload,
  Session,
  SessionConnection,
  SessionEvent,
  SessionPayload,
  TrackedObject,
  SessionTracker,
} from './session.type.js';

@Resolver(() => Session)
export class SessionResolver {
  @Authorized('read')
  @Query(() => Session, { description: 'One session; NOT_FOUND if it does not exist.' })
  async session(@Arg('id', () => ID, { description: 'The session id.' }) id: string, @Ctx() ctx: Context) {
    await ctx.access.session(id);
    return ctx.services.sessions.row(id);
  }

  @Authorized('read')
  @Query(() => SessionConnection, { description: 'Sessions, oldest first, filtered by status and media (only its own projects for a project-limited key).' })
  sessions(@Args() args: SessionListArgs, @Ctx() ctx: Context) {
    return ctx.services.sessions.list(args, ctx.access.projectIds);
  }

  @Authorized('read')
  @Query(() => [FrameMasks], { description: 'Stored masks by frame range and object, ascending by frame.' })
  async frameMasks(@Args() args: FrameMasksArgs, @Ctx() ctx: Context) {
    await ctx.access.session(args.sessionId);
    return ctx.services.sessions.frameMasks(args);
  }

  @Authorized('write')
  @Mutation(() => SessionPayload, { description: 'Opens a tracking session on a video (or an image). At most SESSION_MAX_OPEN_PER_KEY open per key.' })
  async startSession(@Arg('input', { description: 'The media and the model.' }) input: StartSessionInput, @Ctx() ctx: Context) {
    await ctx.access.media(input.mediaId);
    return { session: await ctx.services.sessions.start(input.mediaId, input.model, sessionOwner(ctx)) };
  }

  @Authorized('write')
  @Mutation(() => AddPromptPayload, { description: 'Prompts a new or existing object on a frame; returns the masks of all objects there.' })
  async addPrompt(@Arg('input', { description: 'The frame, the object, and its points and/or box.' }) input: AddPromptInput, @Ctx() ctx: Context) {
    await ctx.access.session(input.sessionId);
    return ctx.services.sessions.addPrompt(input);
  }

  @Authorized('write')
  @Mutation(() => AddTextPromptPayload, { description: 'A phrase on a frame creates one tracked object per instance found (needs a model with a grounding companion).' })
  async addTextPrompt(@Arg('input', { description: 'The frame and the phrase.' }) input: AddTextPromptInput, @Ctx() ctx: Context) {
    await ctx.access.session(input.sessionId);
    return ctx.services.sessions.addTextPrompt(input);
  }

  @Authorized('write')
  @Mutation(() => SessionPayload, { description: 'Deletes prompts and the masks stored for them; the objects stay.' })
  async clearPrompts(@Arg('input', { description: 'Which prompts to clear.' }) input: ClearPromptsInput, @Ctx() ctx: Context) {
    await ctx.access.session(input.sessionId);
    return { session: await ctx.services.sessions.clearPrompts(input) };
  }

  @Authorized('write')
  @Mutation(() => SessionPayload, { description: 'Removes one object with its prompts and stored masks.' })
  async removeObject(@Arg('input', { description: 'The session and the object.' }) input: RemoveObjectInput, @Ctx() ctx: Context) {
    await ctx.access.session(input.sessionId);
    return { session: await ctx.services.sessions.removeObject(input.sessionId, input.objectId) };
  }

  @Authorized('write')
  @Mutation(() => SessionPayload, { description: 'Removes every object, prompt and stored mask; the session stays open.' })
  async resetSession(@Arg('input', { description: 'The session to reset.' }) input: SessionIdInput, @Ctx() ctx: Context) {
    await ctx.access.session(input.sessionId);
    return { session: await ctx.services.sessions.reset(input.sessionId) };
  }

  @Authorized('write')
  @Mutation(() => CloseSessionPayload, { description: 'Frees the session’s model state; prompts and masks stay stored.' })
  async closeSession(@Arg('input', { description: 'The session to close.' }) input: SessionIdInput, @Ctx() ctx: Context) {
    await ctx.access.session(input.sessionId);
    return ctx.services.sessions.close(input.sessionId);
  }

  @Authorized('write')
  @Mutation(() => SessionPayload, { description: 'Rebuilds a closed session from its stored prompts.' })
  async reopenSession(@Arg('input', { description: 'The session to reopen.' }) input: SessionIdInput, @Ctx() ctx: Context) {
    await ctx.access.session(input.sessionId);
    return { session: await ctx.services.sessions.reopen(input.sessionId, sessionOwner(ctx)) };
  }

  @Authorized('write')
  @Mutation(() => PropagatePayload, { description: 'Starts propagation as a job and returns it at once.' })
  async propagate(@Arg('input', { description: 'The session, direction, start frame and frame limit.' }) input: PropagateInput, @Ctx() ctx: Context) {
    await ctx.access.session(input.sessionId);
    return { job: toJob(await ctx.services.idempotency.job(ctx.principal.id, 'propagate', input, () => ctx.services.sessions.propagate(input))) };
  }

  @Subscription(() => SessionEvent, {
    description: 'Per-frame masks of every object as propagation produces them, then the end of the job. With jobId and replay, frames that job already stored come first; the stream ends with that job.',
    subscribe: translated(async ({ args, context }) => {
      const ctx = context as Context;
      ctx.access.require('read');
      await ctx.access.session(args.sessionId);
      if (args.jobId) await ctx.access.job(args.jobId);
      return ctx.services.sessionEvents(args.sessionId, args.jobId ?? null, args.replay ?? false);
    }),
  })
  sessionEvents(
    @Root() event: SessionEventPayload,
    @Arg('sessionId', () => ID, { description: 'The session to follow.' }) _sessionId: string,
    @Arg('jobId', () => ID, { nullable: true, description: 'Only events of this propagation job; the stream ends with it.' }) _jobId?: string,
    @Arg('replay', { defaultValue: false, description: 'With jobId: first send the frames that job already stored.' }) _replay?: boolean,
  ): SessionEvent {
    return {
      kind: event.kind as SessionEvent['kind'],
      sessionId: event.sessionId,
      jobId: event.jobId,
      frame: event.kind === 'FRAME' ? toFrameMasks(event.frame) : null,
      job: event.kind === 'FRAME' ? null : toJob(event.job),
    };
  }

  @FieldResolver(() => String)
  model(@Root() s: SessionRow) {
    return s.modelName;
  }

  @FieldResolver(() => Boolean)
  live(@Root() s: SessionRow, @Ctx() ctx: Context) {
    return liveInfo(ctx, s.id).then((l) => l !== null);
  }

  @FieldResolver(() => SessionTracker, { nullable: true })
  tracker(@Root() s: SessionRow, @Ctx() ctx: Context) {
    return liveInfo(ctx, s.id).then((l) => l?.tracker ?? null);
  }

  @FieldResolver(() => [TrackedObject])
  objects(@Root() s: SessionRow, @Ctx() ctx: Context) {
    return ctx.services.sessions.objects(s.id);
  }

  @FieldResolver(() => Int)
  framesProcessed(@Root() s: SessionRow, @Ctx() ctx: Context) {
    return ctx.services.sessions.framesProcessed(s.id);
  }

  @FieldResolver(() => Int)
  totalFrames(@Root() s: SessionRow, @Ctx() ctx: Context) {
    return ctx.services.sessions.totalFrames(s);
  }

  @FieldResolver(() => Number)
  memoryBytes(@Root() s: SessionRow, @Ctx() ctx: Context) {
    return liveInfo(ctx, s.id).then((l) => l?.memoryBytes ?? 0);
  }

  @FieldResolver(() => Job, { nullable: true })
  async activeJob(@Root() s: SessionRow, @Ctx() ctx: Context) {
    const id = (await liveInfo(ctx, s.id))?.activeJobId;
    return id ? ctx.services.jobs.get(id) : null;
  }
}

// One read of a session's live state per request, however many of its fields are asked (in a
// fleet it is a call to the worker holding the session).
const liveInfos = new WeakMap<Context, Map<string, Promise<LiveInfo | null>>>();
function liveInfo(ctx: Context, sessionId: string): Promise<LiveInfo | null> {
  let byId = liveInfos.get(ctx);
  if (!byId) liveInfos.set(ctx, (byId = new Map()));
  let info = byId.get(sessionId);
  if (!info) byId.set(sessionId, (info = ctx.services.sessions.liveInfo(sessionId)));
  return info;
}

/** Sessions of a key (or JWT subject) count against its SESSION_MAX_OPEN_PER_KEY; AUTH_MODE=none has no keys. */
function sessionOwner(ctx: Context): string | null {
  return ctx.principal.kind === 'anonymous' ? null : ctx.principal.id;
}
