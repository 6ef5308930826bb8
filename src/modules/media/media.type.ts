import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../common/connection.type.js';
import { Node } from '../common/node.type.js';

export enum MediaKind {
  IMAGE = 'IMAGE',
  VIDEO = 'VIDEO',
}
registerEnumType(MediaKind, {
  name: 'MediaKind',
  description: 'Whether a media item is a still image or a video.',
  valuesConfig: {
    IMAGE: { description: 'A still image (PNG, JPEG, WebP, GIF, TIFF, AVIF, HEIF…); one frame.' },
    VIDEO: { description: 'A video that ffmpeg decodes (MP4, MOV, WebM, MKV…); frameCount frames.' },
  },
});

@ObjectType({ implements: Node, description: 'An image or a video; its bytes are stored once by content hash.' })
export class Media {
  @Field(() => ID, { description: 'Globally unique (a UUID).' }) id: string;
  @Field(() => ID, { description: 'The project that holds it.' }) projectId: string;
  @Field(() => MediaKind, { description: 'Image or video.' }) kind: MediaKind;
  @Field(() => String, { nullable: true, description: 'The file name it was uploaded with, if any (up to 255 characters).' }) filename: string | null;
  @Field(() => String, { nullable: true, description: 'A free label for filtering (mediaList(label:)), up to 200 characters.' }) label: string | null;
  @Field({ description: 'Container or image format, e.g. png, jpeg, mp4.' }) format: string;
  @Field({ description: 'SHA-256 of the stored bytes, hex.' }) sha256: string;
  @Field(() => Int, { description: 'Size of the stored file in bytes.' }) byteSize: number;
  @Field(() => Int, { description: 'Width in pixels, after EXIF orientation.' }) width: number;
  @Field(() => Int, { description: 'Height in pixels, after EXIF orientation.' }) height: number;
  @Field(() => Int, { nullable: true, description: 'Number of frames of a video (frame indexes run 0 to frameCount - 1); null for an image.' }) frameCount: number | null;
  @Field(() => Float, { nullable: true, description: 'Frames per second of a video; null for an image.' }) fps: number | null;
  @Field(() => Float, { nullable: true, description: 'Duration of a video in seconds; null for an image.' }) durationSec: number | null;
  @Field(() => GraphQLISODateTime, { description: 'When it was added.' }) createdAt: Date;
  storagePath: string;
  thumbnailPath: string | null;
}

@ObjectType({ description: 'A page of media items, oldest first.' })
export class MediaConnection extends ConnectionType(Media, 'Media') {}

@ObjectType({ description: 'The result of addMedia (and the JSON body of POST /upload).' })
export class AddMediaPayload {
  @Field(() => Media, { description: 'The new media item, or the existing one with the same bytes.' }) media: Media;
  @Field({ description: 'True when this project already held these exact bytes (never says anything about other projects).' })
  deduplicated: boolean;
}

@ObjectType({ description: 'The result of deleteMedia.' })
export class DeleteMediaPayload {
  @Field(() => ID, { description: 'The id of the deleted media item.' }) id: string;
}
