import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { Length, MaxLength } from 'class-validator';
import { ClientRequestIdField } from '../idempotency/client-request-id.js';
import { PageArgs } from '../common/connection.type.js';

/** Limits of a media's filename and label, the same for GraphQL and POST /upload. */
export const FILENAME_MAX = 255;
export const LABEL_MAX = 200;

@InputType({ description: 'Input of addMedia: exactly one of base64 and serverPath.' })
export class AddMediaInput {
  @Field(() => ID, { description: 'The project to add it to.' }) projectId: string;

  @Field({ nullable: true, description: 'The file, base64 encoded (a data: URL prefix is accepted).' })
  base64?: string;

  @Field({ nullable: true, description: 'A path on the server, under one of MEDIA_ALLOWED_ROOTS.' })
  @MaxLength(4096)
  serverPath?: string;

  @Field({ nullable: true, description: 'A file name to keep with it, 1 to 255 characters.' })
  @Length(1, FILENAME_MAX)
  filename?: string;

  @Field({ nullable: true, description: 'A free label for filtering, 1 to 200 characters.' })
  @Length(1, LABEL_MAX)
  label?: string;

  @ClientRequestIdField() clientRequestId?: string | null;
}

@InputType({ description: 'Input of deleteMedia.' })
export class DeleteMediaInput {
  @Field(() => ID, { description: 'The media item to delete, with its masks and sessions.' }) id: string;
}

@ArgsType()
export class MediaListArgs extends PageArgs {
  @Field({ nullable: true, description: 'Only media with exactly this label.' })
  label?: string;
}
