import { Max, Min } from 'class-validator';
import { Extensions, Field, Float, ID, InputType, Int } from 'type-graphql';
import { listCap } from '../common/list-cap.js';
import { ClientRequestIdField } from '../idempotency/client-request-id.js';
import { ExportFormat, MaskEffect, VideoContainer } from './export.type.js';

@InputType({ description: 'How MASKED_VIDEO is made.' })
export class VideoExportOptions {
  @Field(() => VideoContainer, { defaultValue: VideoContainer.MP4, description: 'MP4 (H.264) or WebM (VP9).' }) container: VideoContainer;
  @Field(() => MaskEffect, { defaultValue: MaskEffect.OVERLAY, description: 'Tint the objects or cut them out.' }) effect: MaskEffect;
  @Field(() => Float, { defaultValue: 0.5, description: 'OVERLAY: how strongly an object is tinted, 0..1' })
  @Min(0)
  @Max(1)
  opacity: number;
}

@InputType({ description: 'Starts an export job over exactly one of a session, a media or a project.' })
export class StartExportInput {
  @Field(() => ExportFormat, { description: 'What to write.' }) format: ExportFormat;
  @Field(() => ID, { nullable: true, description: 'A tracking session: its objects and stored frame masks' }) sessionId?: string | null;
  @Field(() => ID, { nullable: true, description: 'An image: the masks batch segmentation stored on it (COCO_JSON)' }) mediaId?: string | null;
  @Field(() => ID, { nullable: true, description: 'A project: every image (COCO_JSON) or every video session (YTVIS_JSON)' }) projectId?: string | null;
  @Extensions(listCap('ids'))
  @Field(() => [Int], { nullable: true, description: 'Only these objects of the session (default: all)' }) objectIds?: number[] | null;
  @Field(() => VideoExportOptions, { nullable: true, description: 'MASKED_VIDEO only' }) video?: VideoExportOptions | null;
  @ClientRequestIdField() clientRequestId?: string | null;
}
