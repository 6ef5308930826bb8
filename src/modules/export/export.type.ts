import { Field, Float, GraphQLISODateTime, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Job } from '../job/job.type.js';
import { Node } from '../common/node.type.js';

export enum ExportFormat {
  COCO_JSON = 'COCO_JSON',
  YTVIS_JSON = 'YTVIS_JSON',
  DAVIS_PNG_ZIP = 'DAVIS_PNG_ZIP',
  MASKED_VIDEO = 'MASKED_VIDEO',
}
registerEnumType(ExportFormat, {
  name: 'ExportFormat',
  description: 'What an export job writes.',
  valuesConfig: {
    COCO_JSON: { description: 'COCO instance annotations (RLE segmentation, bbox, area, score; categories from object labels or phrases). Images of a project or media, or the frames of a session.' },
    YTVIS_JSON: { description: 'YouTube-VIS-style video annotations: one annotation per object with a per-frame list of RLE masks (null where absent). A session, or every video session of a project.' },
    DAVIS_PNG_ZIP: { description: 'A zip of per-frame indexed PNG masks, DAVIS style: palette index = object id (0 = background). A session.' },
    MASKED_VIDEO: { description: 'The session’s video with its masks applied (see VideoExportOptions); original frame rate and duration, audio kept.' },
  },
});

export enum VideoContainer {
  MP4 = 'MP4',
  WEBM = 'WEBM',
}
registerEnumType(VideoContainer, {
  name: 'VideoContainer',
  description: 'The file format of a MASKED_VIDEO export.',
  valuesConfig: { MP4: { description: 'H.264 in MP4 (no alpha channel)' }, WEBM: { description: 'VP9 in WebM (alpha for CUTOUT)' } },
});

export enum MaskEffect {
  OVERLAY = 'OVERLAY',
  CUTOUT = 'CUTOUT',
}
registerEnumType(MaskEffect, {
  name: 'MaskEffect',
  description: 'How a MASKED_VIDEO export shows the masks.',
  valuesConfig: {
    OVERLAY: { description: 'Each object tinted with its own colour (the colours are in the job result)' },
    CUTOUT: { description: 'Only the objects are kept: transparent background in WEBM (VP9 yuva420p), black in MP4' },
  },
});

@ObjectType({ implements: Node, description: 'A file an export job produced. Deleted after EXPORT_RETENTION_SEC, and with its job or project.' })
export class Artifact {
  @Field(() => ID, { description: 'Globally unique (a UUID).' }) id: string;
  @Field(() => ID, { description: 'The export job that produced it.' }) jobId: string;
  @Field({ description: 'File name, e.g. coco.json, masks.zip, masked.mp4' }) name: string;
  @Field({ description: 'Its media type, e.g. application/json, application/zip, video/mp4.' }) mimeType: string;
  @Field(() => Float, { description: 'Size in bytes' }) byteSize: number;
  @Field({ description: 'SHA-256 of the file, hex' }) sha256: string;
  @Field(() => GraphQLISODateTime, { description: 'When it was written.' }) createdAt: Date;
  @Field(() => GraphQLISODateTime, { description: 'When the file is deleted' }) expiresAt: Date;
  @Field({ description: 'A signed, expiring URL path (GET, no Authorization header needed; Range supported): prefix it with the server’s address' })
  url: string;
}

@ObjectType({ description: 'The result of startExport.' })
export class ExportPayload {
  @Field(() => Job, { description: 'The export job, QUEUED or RUNNING (or the first one, for a repeated clientRequestId).' }) job: Job;
}
