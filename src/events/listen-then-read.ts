// The stream behind a subscription that starts from stored state: it listens on the topic BEFORE
// it reads the store, so an event published in between is never lost (a reader may see it twice
// and skip it). The PubSub iterator attaches its listener on the first next(), so that call comes
// first.
import { Repeater } from '@graphql-yoga/subscription';

type Push<T> = (value: T) => Promise<unknown>;

/**
 * `read` pushes what is stored and says whether to go on live; then each live event goes to
 * `onLive`, which pushes it (or not) and says whether to go on. The stream ends when either says no.
 */
export function listenThenRead<T, E = T>(
  events: AsyncIterable<E>,
  read: (push: Push<T>) => Promise<boolean>,
  onLive: (event: E, push: Push<T>) => Promise<boolean>,
  /** Resolves once the listener is really attached (a Redis SUBSCRIBE is acknowledged). */
  subscribed: () => Promise<void> = async () => undefined,
): AsyncIterable<T> {
  return new Repeater<T>(async (push, stop) => {
    const iterator = events[Symbol.asyncIterator]();
    let pending = iterator.next();
    await subscribed();
    stop.then(() => iterator.return?.());
    if (await read(push)) {
      for (;;) {
        const next = await pending;
        if (next.done) break;
        pending = iterator.next();
        if (!(await onLive(next.value, push))) break;
      }
    }
    stop();
  });
}
