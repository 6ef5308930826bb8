// Key revocations reach every process: ApiKeyService.revoke announces them on the `auth:revoked`
// topic (over Redis with REDIS_URL), and each process drops its cached verification of that key,
// so the key is refused everywhere at once instead of after the cache's 10 s. (The graphql-ws
// server follows the same topic to close the key's open sockets.)
import type { ApiKeyService } from './api-key.service.js';

/** Follows the topic; the returned function stops listening. */
export function shareRevocations(apiKeys: ApiKeyService): () => Promise<void> {
  const events = apiKeys.revocations()[Symbol.asyncIterator]();
  const listening = (async () => {
    for (;;) {
      const next = await events.next();
      if (next.done) return;
      apiKeys.forget(next.value.principalId);
    }
  })();
  return async () => {
    await events.return?.();
    await listening;
  };
}
