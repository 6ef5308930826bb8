import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../common/connection.type.js';
import { Node } from '../common/node.type.js';

export enum MediaKind {
  IMAGE = 'IMAGE',
  VIDEO = 'VIDEO',
}
registerEnumType(MediaKind, { name: 'MediaKind' });

@ObjectType({ implements: Node, description: 'An image or a video; its bytes are stored once by content hash.' })
export class Media {
  @Field(() => ID) id: string;
  @Field(() => ID) projectId: string;
  @Field(() => MediaKind) kind: MediaKind;
  @Field(() => String, { nullable: true }) filename: string | null;
  @Field(() => String, { nullable: true }) label: string | null;
  @Field({ description: 'Container or image format, e.g. png, jpeg, mp4.' }) format: string;
  @Field({ description: 'SHA-256 of the stored bytes, hex.' }) sha256: string;
  @Field(() => Int) byteSize: number;
  @Field(() => Int, { description: 'Width in pixels, after EXIF orientation.' }) width: number;
  @Field(() => Int) height: number;
  @Field(() => Int, { nullable: true }) frameCount: number | null;
  @Field(() => Float, { nullable: true }) fps: number | null;
  @Field(() => Float, { nullable: true }) durationSec: number | null;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  storagePath: string;
  thumbnailPath: string | null;
}

@ObjectType()
export class MediaConnection extends ConnectionType(Media, 'Media') {}

@ObjectType()
export class AddMediaPayload {
  @Field(() => Media) media: Media;
  @Field({ description: 'True when this project already held these exact bytes (never says anything about other projects).' })
  deduplicated: boolean;
}

@ObjectType()
export class DeleteMediaPayload {
  @Field(() => ID) id: string;
}
