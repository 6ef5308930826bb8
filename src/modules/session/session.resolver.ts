import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../../server/context.js';
import type { SessionEvent as SessionEventPayload } from '../../events/topics.js';
import { toJob } from '../job/job.mapper.js';
import { Job } from '../job/job.type.js';
import { toFrameMasks } from './mask-rows.js';
import { AddPromptInput, AddTextPromptInput, ClearPromptsInput, FrameMasksArgs, PropagateInput, RemoveObjectInput, SessionIdInput, SessionListArgs, StartSessionInput } from './session.input.js';
import type { SessionRow } from './session.service.js';
import {
  AddPromptPayload,
  AddTextPromptPayload,
  CloseSessionPayload,
  FrameMasks,
  PropagatePayload,
  Session,
  SessionConnection,
  SessionEvent,
  SessionPayload,
  TrackedObject,
} from './session.type.js';

@Resolver(() => Session)
export class SessionResolver {
  @Query(() => Session)
  session(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.sessions.row(id);
  }

  @Query(() => SessionConnection)
  sessions(@Args() args: SessionListArgs, @Ctx() ctx: Context) {
    return ctx.services.sessions.list(args);
  }

  @Query(() => [FrameMasks], { description: 'Stored masks by frame range and object, ascending by frame.' })
  frameMasks(@Args() args: FrameMasksArgs, @Ctx() ctx: Context) {
    return ctx.services.sessions.frameMasks(args);
  }

  @Mutation(() => SessionPayload, { description: 'Opens a tracking session on a video (or an image).' })
  async startSession(@Arg('input') input: StartSessionInput, @Ctx() ctx: Context) {
    return { session: await ctx.services.sessions.start(input.mediaId, input.model) };
  }

  @Mutation(() => AddPromptPayload, { description: 'Prompts a new or existing object on a frame; returns the masks of all objects there.' })
  addPrompt(@Arg('input') input: AddPromptInput, @Ctx() ctx: Context) {
    return ctx.services.sessions.addPrompt(input);
  }

  @Mutation(() => AddTextPromptPayload, { description: 'A phrase on a frame creates one tracked object per instance found (needs a model with a grounding companion).' })
  addTextPrompt(@Arg('input') input: AddTextPromptInput, @Ctx() ctx: Context) {
    return ctx.services.sessions.addTextPrompt(input);
  }

  @Mutation(() => SessionPayload)
  async clearPrompts(@Arg('input') input: ClearPromptsInput, @Ctx() ctx: Context) {
    return { session: await ctx.services.sessions.clearPrompts(input) };
  }

  @Mutation(() => SessionPayload)
  async removeObject(@Arg('input') input: RemoveObjectInput, @Ctx() ctx: Context) {
    return { session: await ctx.services.sessions.removeObject(input.sessionId, input.objectId) };
  }

  @Mutation(() => SessionPayload, { description: 'Removes every object, prompt and stored mask; the session stays open.' })
  async resetSession(@Arg('input') input: SessionIdInput, @Ctx() ctx: Context) {
    return { session: await ctx.services.sessions.reset(input.sessionId) };
  }

  @Mutation(() => CloseSessionPayload, { description: 'Frees the session’s model state; prompts and masks stay stored.' })
  closeSession(@Arg('input') input: SessionIdInput, @Ctx() ctx: Context) {
    return ctx.services.sessions.close(input.sessionId);
  }

  @Mutation(() => SessionPayload, { description: 'Rebuilds a closed session from its stored prompts.' })
  async reopenSession(@Arg('input') input: SessionIdInput, @Ctx() ctx: Context) {
    return { session: await ctx.services.sessions.reopen(input.sessionId) };
  }

  @Mutation(() => PropagatePayload, { description: 'Starts propagation as a job and returns it at once.' })
  async propagate(@Arg('input') input: PropagateInput, @Ctx() ctx: Context) {
    return { job: toJob(await ctx.services.sessions.propagate(input)) };
  }

  @Subscription(() => SessionEvent, {
    description: 'Per-frame masks of every object as propagation produces them, then the end of the job. With jobId and replay, frames that job already stored come first; the stream ends with that job.',
    subscribe: ({ args, context }) => (context as Context).services.sessionEvents(args.sessionId, args.jobId ?? null, args.replay ?? false),
  })
  sessionEvents(
    @Root() event: SessionEventPayload,
    @Arg('sessionId', () => ID) _sessionId: string,
    @Arg('jobId', () => ID, { nullable: true }) _jobId?: string,
    @Arg('replay', { defaultValue: false }) _replay?: boolean,
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
    return !!ctx.services.sessions.liveState(s.id);
  }

  @FieldResolver(() => String, { nullable: true })
  tracker(@Root() s: SessionRow, @Ctx() ctx: Context) {
    return ctx.services.sessions.liveState(s.id)?.tracker.kind ?? null;
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
    return ctx.services.sessions.liveState(s.id)?.memoryBytes() ?? 0;
  }

  @FieldResolver(() => Job, { nullable: true })
  async activeJob(@Root() s: SessionRow, @Ctx() ctx: Context) {
    const id = ctx.services.sessions.liveState(s.id)?.activeJobId;
    return id ? ctx.services.jobs.get(id) : null;
  }
}

