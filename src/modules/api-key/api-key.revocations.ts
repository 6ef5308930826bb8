// Key revocations reach every process: a revocation is published on the `apikey:revoked` topic
// (over Redis with REDIS_URL), and each process drops its cached verification of that key, so
// the key is refused everywhere at once instead of after the cache's 10 s.
import type { PubSub } from '../../events/pubsub.js';
import type { ApiKeyService } from './api-key.service.js';

/** Wires the service to the topic; the returned function stops listening. */
export function shareRevocations(apiKeys: ApiKeyService, pubsub: PubSub): () => Promise<void> {
  apiKeys.onRevoked = (hash) => pubsub.publish('apikey:revoked', { hash });
  const events = pubsub.subscribe('apikey:revoked')[Symbol.asyncIterator]();
  const listening = (async () => {
    for (;;) {
      const next = await events.next();
      if (next.done) return;
      apiKeys.forget(next.value.hash);
    }
  })();
  return async () => {
    await events.return?.();
    await listening;
  };
}
