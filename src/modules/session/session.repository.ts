// Session rows: sessions, their tracked objects and prompts (and, inside the same transactions,
// the masks a prompt answered or that clearing removes). Every Prisma call of the session module
// is here; the rules are the service's.
import type { Prisma } from '../../db/database.js';
import type { ObjectPrompt } from '../../engine/index.js';
import { notFound } from '../../errors/app-errors.js';
import type { Connection } from '../common/connection.type.js';
import { isUuid } from '../common/ids.js';
import { cursorWhere, emptyConnection, pageOrder, pageTake, toConnection } from '../common/pagination.js';
import type { FrameMaskRow } from '../mask/mask.mapper.js';
import type { FrameMaskWhere, MaskRepository } from '../mask/mask.repository.js';
import type { SessionListArgs } from './session.input.js';

export type SessionRow = Awaited<ReturnType<Prisma['session']['findUniqueOrThrow']>>;

/** A stored prompt, as the tracker replays it. */
export interface StoredPrompt {
  objectId: number;
  frameIndex: number;
  prompt: ObjectPrompt;
}

export class SessionRepository {
  constructor(
    private readonly prisma: Prisma,
    private readonly masks: MaskRepository,
  ) {}

  async get(id: string): Promise<SessionRow> {
    const s = isUuid(id) ? await this.prisma.session.findUnique({ where: { id } }) : null;
    if (!s) throw notFound('Session', id);
    return s;
  }

  /** `within`: only sessions on media of these projects, or null for all. */
  async list(args: SessionListArgs, within: readonly string[] | null): Promise<Connection<SessionRow>> {
    if (args.mediaId != null && !isUuid(args.mediaId)) return emptyConnection();
    const where = {
      ...(args.status ? { status: args.status } : {}),
      ...(args.mediaId ? { mediaId: args.mediaId } : {}),
      ...(within ? { media: { projectId: { in: [...within] } } } : {}),
    };
    const [rows, total] = await Promise.all([
      this.prisma.session.findMany({ where: { ...where, ...cursorWhere(args) }, orderBy: pageOrder(args), take: pageTake(args) }),
      this.prisma.session.count({ where }),
    ]);
    return toConnection(rows, args, total);
  }

  create(data: { mediaId: string; modelName: string; ownerId: string | null }): Promise<SessionRow> {
    return this.prisma.session.create({ data });
  }

  async delete(id: string): Promise<void> {
    await this.prisma.session.delete({ where: { id } });
  }

  async reopen(id: string, ownerId: string | null): Promise<void> {
    await this.prisma.session.update({ where: { id }, data: { status: 'OPEN', closedAt: null, closeReason: null, lastActivityAt: new Date(), ...(ownerId ? { ownerId } : {}) } });
  }

  close(id: string, reason: string): Promise<SessionRow> {
    return this.prisma.session.update({ where: { id }, data: { status: 'CLOSED', closedAt: new Date(), closeReason: reason } });
  }

  async touch(id: string): Promise<void> {
    await this.prisma.session.update({ where: { id }, data: { lastActivityAt: new Date() } });
  }

  /** Takes the session's next object id (1, 2, 3, ...). */
  async allocateObjectId(id: string): Promise<number> {
    const s = await this.prisma.session.update({ where: { id }, data: { nextObjectId: { increment: 1 } } });
    return s.nextObjectId - 1;
  }

  /** Its objects ascending, each with the frames where it has prompts. */
  async objects(sessionId: string): Promise<{ objectId: number; label: string | null; promptedFrames: number[] }[]> {
    const [objects, prompts] = await Promise.all([
      this.prisma.trackedObject.findMany({ where: { sessionId }, orderBy: { objectId: 'asc' } }),
      this.prisma.prompt.findMany({ where: { sessionId }, select: { objectId: true, frameIndex: true } }),
    ]);
    return objects.map((o) => ({
      objectId: o.objectId,
      label: o.label,
      promptedFrames: [...new Set(prompts.filter((p) => p.objectId === o.objectId).map((p) => p.frameIndex))].sort((a, b) => a - b),
    }));
  }

  /** Object ids of the session (only these, when given), ascending. */
  async objectIds(sessionId: string, only?: readonly number[] | null): Promise<number[]> {
    const rows = await this.prisma.trackedObject.findMany({
      where: { sessionId, ...(only?.length ? { objectId: { in: [...only] } } : {}) },
      select: { objectId: true },
      orderBy: { objectId: 'asc' },
    });
    return rows.map((o) => o.objectId);
  }

  async requireObject(sessionId: string, objectId: number): Promise<void> {
    const o = await this.prisma.trackedObject.findUnique({ where: { sessionId_objectId: { sessionId, objectId } } });
    if (!o) throw notFound(`Object ${objectId} of session`, sessionId);
  }

  /** Its prompts in the order they were given (what a rebuild replays). */
  async prompts(sessionId: string): Promise<StoredPrompt[]> {
    const rows = await this.prisma.prompt.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
    return rows.map((p) => ({
      objectId: p.objectId,
      frameIndex: p.frameIndex,
      prompt: { points: (p.points as ObjectPrompt['points']) ?? [], box: (p.box as ObjectPrompt['box']) ?? undefined },
    }));
  }

  async firstPromptedFrame(sessionId: string): Promise<number | null> {
    const r = await this.prisma.prompt.aggregate({ where: { sessionId }, _min: { frameIndex: true } });
    return r._min.frameIndex;
  }

  /**
   * A point/box prompt with the masks it answered, in one transaction: the object when it is new,
   * the object's earlier prompts on that frame when they are replaced.
   */
  async storePrompt(p: { sessionId: string; objectId: number; frameIndex: number; prompt: ObjectPrompt; newObjectLabel?: string | null; replace: boolean; masks: FrameMaskRow[] }): Promise<void> {
    const { sessionId, objectId, frameIndex } = p;
    await this.prisma.$transaction([
      ...(p.newObjectLabel !== undefined ? [this.prisma.trackedObject.create({ data: { sessionId, objectId, label: p.newObjectLabel } })] : []),
      ...(p.replace ? [this.prisma.prompt.deleteMany({ where: { sessionId, objectId, frameIndex } })] : []),
      this.prisma.prompt.create({ data: { sessionId, objectId, frameIndex, points: p.prompt.points, box: p.prompt.box ?? undefined } }),
      ...this.masks.upsertFrame(p.masks),
    ]);
  }

  /** A new object found from a phrase, with the box prompt that holds it. */
  async storeTextObject(sessionId: string, objectId: number, frameIndex: number, box: NonNullable<ObjectPrompt['box']>, text: string): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.trackedObject.create({ data: { sessionId, objectId, label: text } }),
      this.prisma.prompt.create({ data: { sessionId, objectId, frameIndex, points: [], box, text } }),
    ]);
  }

  async storeMasks(rows: FrameMaskRow[]): Promise<void> {
    if (rows.length) await this.prisma.$transaction(this.masks.upsertFrame(rows));
  }

  /** Prompts and masks of an object and/or a frame. */
  async clearPrompts(where: FrameMaskWhere): Promise<void> {
    await this.prisma.$transaction([this.prisma.prompt.deleteMany({ where }), this.masks.deleteFrames(where)]);
  }

  async removeObject(sessionId: string, objectId: number): Promise<void> {
    const where = { sessionId, objectId };
    await this.prisma.$transaction([this.prisma.prompt.deleteMany({ where }), this.masks.deleteFrames(where), this.prisma.trackedObject.deleteMany({ where })]);
  }

  /** Every object, prompt and mask; object ids start at 1 again. */
  async reset(sessionId: string): Promise<void> {
    const where = { sessionId };
    await this.prisma.$transaction([
      this.prisma.prompt.deleteMany({ where }),
      this.masks.deleteFrames(where),
      this.prisma.trackedObject.deleteMany({ where }),
      this.prisma.session.update({ where: { id: sessionId }, data: { nextObjectId: 1 } }),
    ]);
  }
}
