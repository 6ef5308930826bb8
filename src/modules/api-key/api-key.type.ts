import { Field, GraphQLISODateTime, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../common/connection.type.js';
import { Node } from '../common/node.type.js';

export enum ApiScope {
  read = 'read',
  write = 'write',
  admin = 'admin',
}
registerEnumType(ApiScope, { name: 'ApiScope', description: 'read: queries and subscriptions; write: also mutations and inference; admin: also API keys.' });

@ObjectType({ implements: Node, description: 'An API key. Its secret is shown once, when it is created.' })
export class ApiKey {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field({ description: 'The first characters of the secret, to tell keys apart.' }) prefix: string;
  @Field(() => [ApiScope]) scopes: ApiScope[];
  @Field(() => [ID], { description: 'Projects the key may touch; empty = every project.' }) projectIds: string[];
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) expiresAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Updated at most once a minute.' }) lastUsedAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) revokedAt: Date | null;
}

@ObjectType()
export class ApiKeyConnection extends ConnectionType(ApiKey, 'ApiKey') {}

@ObjectType()
export class CreateApiKeyPayload {
  @Field(() => ApiKey) apiKey: ApiKey;
  @Field({ description: 'The key itself (send it as "Authorization: Bearer <secret>"). Not stored; shown only here.' }) secret: string;
}

@ObjectType()
export class ApiKeyPayload {
  @Field(() => ApiKey) apiKey: ApiKey;
}
