// The GraphQL schema, built from the resolvers' decorators. schema.graphql is its printed form.
import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema, type OperationTypeNode } from 'graphql';
import { buildSchema } from 'type-graphql';
import { createMemoryPubSub } from '../events/pubsub.js';
import { authChecker } from './auth/auth-checker.js';
import { clientErrors } from '../modules/common/client-errors.js';
import { ApiKeyResolver } from '../modules/api-key/api-key.resolver.js';
import { JobResolver } from '../modules/job/job.resolver.js';
import { SessionResolver } from '../modules/session/session.resolver.js';
import { MediaResolver } from '../modules/media/media.resolver.js';
import { ModelResolver } from '../modules/model/model.resolver.js';
import { NodeResolver } from '../modules/node/node.resolver.js';
import { ProjectResolver } from '../modules/project/project.resolver.js';
import { SegmentationResolver } from '../modules/segmentation/segmentation.resolver.js';
import { SystemResolver } from '../modules/system/system.resolver.js';
import { ExportResolver, JobArtifactsResolver } from '../modules/export/export.resolver.js';
import { WebhookResolver } from '../modules/webhook/webhook.resolver.js';
import { MediaDownloadResolver } from '../modules/download/download.resolver.js';

export const RESOLVERS = [ProjectResolver, MediaResolver, SegmentationResolver, SessionResolver, JobResolver, ModelResolver, SystemResolver, ApiKeyResolver, ExportResolver, JobArtifactsResolver, MediaDownloadResolver, WebhookResolver, NodeResolver] as const;

// type-graphql has no option for the root types' descriptions.
const ROOT_DESCRIPTIONS = {
  query: 'Reads. Fields need the read scope (apiKeys: admin); a project-limited key sees only its projects.',
  mutation: 'Changes and inference. Every field needs the write scope (API keys: admin).',
  subscription: 'Streams over graphql-ws. Every field needs the read scope.',
};

export async function createSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...RESOLVERS],
    validate: { forbidUnknownValues: false },
    authChecker,
    // Engine, media and database errors become coded client errors here, once for every resolver.
    globalMiddlewares: [clientErrors],
    // Every subscription brings its own stream (subscribe option); this one only satisfies type-graphql.
    pubSub: createMemoryPubSub(),
  });
  for (const [kind, description] of Object.entries(ROOT_DESCRIPTIONS)) schema.getRootType(kind as OperationTypeNode)!.description = description;
  return schema;
}

/** The SDL as committed in schema.graphql (sorted, so it is stable). */
export async function printSdl(schema?: GraphQLSchema): Promise<string> {
  return `${printSchema(lexicographicSortSchema(schema ?? (await createSchema())))}\n`;
}
