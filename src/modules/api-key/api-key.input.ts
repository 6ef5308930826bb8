import { ArrayMaxSize, ArrayMinSize, Length } from 'class-validator';
import { Field, GraphQLISODateTime, ID, InputType, Extensions } from 'type-graphql';
import { listCap } from '../common/list-cap.js';
import { ApiScope } from './api-key.type.js';

@InputType({ description: 'Input of createApiKey.' })
export class CreateApiKeyInput {
  @Field({ description: '1 to 200 characters, for people.' })
  @Length(1, 200)
  name: string;

  @Field(() => [ApiScope], { description: 'At least one; each includes those below it (admin > write > read).' })
  @Extensions(listCap('scopes'))
  @ArrayMinSize(1)
  scopes: ApiScope[];

  @Field(() => [ID], { defaultValue: [], description: 'Limit the key to these projects; empty = every project.' })
  @Extensions(listCap('ids'))
  @ArrayMaxSize(1000)
  projectIds: string[];

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the key stops working; must be in the future. Null = never.' }) expiresAt?: Date | null;
}

@InputType({ description: 'Input of revokeApiKey.' })
export class RevokeApiKeyInput {
  @Field(() => ID, { description: 'The key to revoke.' }) id: string;
}
