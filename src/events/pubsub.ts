// The PubSub: in memory by default (one process). Every subscriber gets every event published
// after it subscribed, in order; nothing is dropped for slow readers (they buffer).
import { createPubSub } from '@graphql-yoga/subscription';
import type { Topics } from './topics.js';

export type PubSub = ReturnType<typeof createPubSub<Topics>>;

export function createMemoryPubSub(): PubSub {
  return createPubSub<Topics>();
}
