// The PubSub: in memory by default (one process). Every subscriber gets every event published
// after it subscribed, in order; nothing is dropped for slow readers (they buffer).
import { setMaxListeners } from 'node:events';
import { createPubSub } from '@graphql-yoga/subscription';
import type { Topics } from './topics.js';

export type PubSub = ReturnType<typeof createPubSub<Topics>> & {
  /**
   * Settles once every subscription asked for so far listens. In memory at once; over Redis,
   * SUBSCRIBE is confirmed asynchronously, and a stream that listens before it reads the database
   * must wait for it, or an event published in between is lost.
   */
  subscribed(): Promise<void>;
};

export function createMemoryPubSub(): PubSub {
  // Every subscriber of a topic is one listener: a hundred on one session is normal, not a leak
  // (Node would warn past 10). Subscriptions are capped per socket and per key instead.
  const eventTarget = new EventTarget();
  setMaxListeners(0, eventTarget);
  return Object.assign(createPubSub<Topics>({ eventTarget: eventTarget as never }), { subscribed: async () => undefined });
}
