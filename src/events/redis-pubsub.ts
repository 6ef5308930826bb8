// The PubSub over Redis (REDIS_URL): @graphql-yoga/redis-event-target under the same typed
// createPubSub as in memory, so a subscriber in any process gets what any process publishes, in
// the order one process published it. Channels carry REDIS_PREFIX; payloads cross as payloadCodec says.
import { createPubSub } from '@graphql-yoga/subscription';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { RedisConnections } from '../redis/redis-connections.js';
import { payloadCodec } from './payload-codec.js';
import type { PubSub } from './pubsub.js';
import type { Topics } from './topics.js';

type Listener = (event: CustomEvent) => void;

export function createRedisPubSub(redis: RedisConnections): PubSub {
  const subscribeClient = redis.open('events-sub');
  const target = createRedisEventTarget({ publishClient: redis.open('events-pub'), subscribeClient, serializer: payloadCodec });
  const channel = (topic: string) => `${redis.prefix}events:${topic}`;
  // The same event target with every channel name prefixed; listeners only read event.detail.
  const prefixed = {
    addEventListener: (topic: string, l: Listener) => target.addEventListener(channel(topic), l as never),
    removeEventListener: (topic: string, l: Listener) => target.removeEventListener(channel(topic), l as never),
    dispatchEvent: (e: CustomEvent) => target.dispatchEvent(new CustomEvent(channel(e.type), { detail: e.detail }) as never),
  };
  // Redis answers one connection's commands in order: a PING answered means every SUBSCRIBE sent before it holds.
  const subscribed = async () => void (await subscribeClient.ping());
  return Object.assign(createPubSub<Topics>({ eventTarget: prefixed as never }), { subscribed });
}
