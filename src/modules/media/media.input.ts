import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { Length, MaxLength } from 'class-validator';
import { PageArgs } from '../common/connection.type.js';

/** Limits of a media's filename and label, the same for GraphQL and POST /upload. */
export const FILENAME_MAX = 255;
export const LABEL_MAX = 200;

@InputType({ description: 'Exactly one of base64 and serverPath.' })
export class AddMediaInput {
  @Field(() => ID) projectId: string;

  @Field({ nullable: true, description: 'The file, base64 encoded (a data: URL prefix is accepted).' })
  base64?: string;

  @Field({ nullable: true, description: 'A path on the server, under one of MEDIA_ALLOWED_ROOTS.' })
  @MaxLength(4096)
  serverPath?: string;

  @Field({ nullable: true })
  @Length(1, FILENAME_MAX)
  filename?: string;

  @Field({ nullable: true })
  @Length(1, LABEL_MAX)
  label?: string;
}

@InputType()
export class DeleteMediaInput {
  @Field(() => ID) id: string;
}

@ArgsType()
export class MediaListArgs extends PageArgs {
  @Field({ nullable: true, description: 'Only media with exactly this label.' })
  label?: string;
}
