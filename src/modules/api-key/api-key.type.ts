import { Field, GraphQLISODateTime, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../common/connection.type.js';
import { Node } from '../common/node.type.js';

export enum ApiScope {
  read = 'read',
  write = 'write',
  admin = 'admin',
}
registerEnumType(ApiScope, {
  name: 'ApiScope',
  description: 'What an API key may do. Each scope includes the ones before it: read < write < admin.',
  valuesConfig: {
    read: { description: 'Queries and subscriptions.' },
    write: { description: 'Also mutations: projects, media, inference, sessions and jobs.' },
    admin: { description: 'Also API keys (for a key without a project list).' },
  },
});

@ObjectType({ implements: Node, description: 'An API key. Its secret is shown once, when it is created.' })
export class ApiKey {
  @Field(() => ID, { description: 'Globally unique (a UUID).' }) id: string;
  @Field({ description: 'A name for people, given at creation.' }) name: string;
  @Field({ description: 'The first characters of the secret, to tell keys apart.' }) prefix: string;
  @Field(() => [ApiScope], { description: 'What the key may do.' }) scopes: ApiScope[];
  @Field(() => [ID], { description: 'Projects the key may touch; empty = every project.' }) projectIds: string[];
  @Field(() => GraphQLISODateTime, { description: 'When the key was created.' }) createdAt: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the key stops working; null = never.' }) expiresAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Updated at most once a minute.' }) lastUsedAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the key was revoked; null while it is valid.' }) revokedAt: Date | null;
}

@ObjectType({ description: 'A page of API keys, oldest first.' })
export class ApiKeyConnection extends ConnectionType(ApiKey, 'ApiKey') {}

@ObjectType({ description: 'The result of createApiKey.' })
export class CreateApiKeyPayload {
  @Field(() => ApiKey, { description: 'The new key.' }) apiKey: ApiKey;
  @Field({ description: 'The key itself (send it as "Authorization: Bearer <secret>"). Not stored; shown only here.' }) secret: string;
}

@ObjectType({ description: 'The result of revokeApiKey.' })
export class ApiKeyPayload {
  @Field(() => ApiKey, { description: 'The key as it is now.' }) apiKey: ApiKey;
}
