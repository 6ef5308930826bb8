// The PubSub: in memory by default (one process). Every subscriber gets every event published
// after it subscribed, in order; nothing is dropped for slow readers (they buffer).
import { setMaxListeners } from 'node:events';
import { createPubSub } from '@graphql-yoga/subscription';
import type { Topics } from './topics.js';

export type PubSub = ReturnType<typeof createPubSub<Topics>>;

export function createMemoryPubSub(): PubSub {
  // Every subscriber of a topic is one listener: a hundred on one session is normal, not a leak
  // (Node would warn past 10). Subscriptions are capped per socket and per key instead.
  const eventTarget = new EventTarget();
  setMaxListeners(0, eventTarget);
  return createPubSub<Topics>({ eventTarget: eventTarget as never });
}
