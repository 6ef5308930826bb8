// The PubSub over the real Redis (REDIS_URL): two PubSub instances, as two processes have, and a
// real second process. What one publishes reaches the other's subscribers, in order, with the
// payloads as published (Dates as Dates; typed arrays, which do not cross, arrive empty), and
// nothing crosses to another prefix.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisPubSub } from '../../src/events/redis-pubsub.js';
import type { JobSnapshot, SessionEvent } from '../../src/events/topics.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { connections, redisUrl, testPrefix, untilSubscribed } from '../support/redis.js';

const job = (i: number): JobSnapshot => ({
  id: 'job1', kind: 'PROPAGATION', status: 'RUNNING', projectId: null, sessionId: 's1', device: 'cpu', progress: i / 100,
  message: null, framesDone: i, framesTotal: 100, rate: null, etaSec: null, errorCode: null, errorMessage: null,
  errorRetryable: null, errorHint: null, result: { frames: [i] }, createdAt: new Date(1e12), startedAt: new Date(1e12 + i), finishedAt: null, updatedAt: new Date(1e12 + i),
});

async function collect<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) out.push((await it.next()).value as T);
  return out;
}

describe.skipIf(!redisUrl)('PubSub over Redis', () => {
  const opened: { dispose(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const c of opened) await c.dispose();
  });
  const open = (prefix: string) => {
    const c = connections(prefix);
    opened.push(c);
    return createRedisPubSub(c);
  };

  it('a publish on one instance reaches a subscriber on the other, in order, payloads intact', async () => {
    const prefix = testPrefix('pubsub');
    const [a, b] = [open(prefix), open(prefix)];
    const other = open(testPrefix('pubsub-other'));
    const jobs = b.subscribe('job:progress', 'job1')[Symbol.asyncIterator]();
    const frames = b.subscribe('session:events', 's1')[Symbol.asyncIterator]();
    const stray = other.subscribe('job:progress', 'job1')[Symbol.asyncIterator]();
    const gotJobs = collect(jobs, 100);
    const gotFrames = collect(frames, 1);
    const strayNext = stray.next();
    await untilSubscribed(`${prefix}events:job:progress:job1`);
    await untilSubscribed(`${prefix}events:session:events:s1`);

    const frame: SessionEvent = {
      kind: 'FRAME', sessionId: 's1', jobId: 'job1',
      frame: { frameIndex: 7, objects: [{ objectId: 1, mask: { rle: { size: [4, 5], counts: 'abc' }, bbox: [1, 2, 3, 4], area: 9, score: 0.5, lowRes: new Float32Array(65536) } }, { objectId: 2, mask: null }] },
    };
    for (let i = 0; i < 100; i++) a.publish('job:progress', 'job1', job(i));
    a.publish('session:events', 's1', frame);

    const received = await gotJobs;
    expect(received.map((j) => j.framesDone)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(received[5]).toEqual(job(5));
    expect(received[5].startedAt).toBeInstanceOf(Date);
    const [f] = await gotFrames;
    expect(f).toEqual({ ...frame, frame: { ...frame.frame, objects: [{ objectId: 1, mask: { ...(frame.frame.objects[0].mask as object), lowRes: new Float32Array(0) } }, { objectId: 2, mask: null }] } });
    // Another prefix is another installation: nothing crossed.
    expect(await Promise.race([strayNext.then(() => 'received'), new Promise((r) => setTimeout(() => r('nothing'), 200))])).toBe('nothing');
    await Promise.all([jobs.return?.(), frames.return?.(), stray.return?.()]);
  });

  it('subscribed() settles once Redis holds every subscription asked for (listen, then read)', async () => {
    const prefix = testPrefix('pubsub-ready');
    const p = open(prefix);
    const c = connections(prefix);
    opened.push(c);
    const probe = c.open('probe');
    for (let i = 0; i < 5; i++) {
      const it = p.subscribe('job:progress', `j${i}`)[Symbol.asyncIterator]();
      const first = it.next(); // attaches the listener: SUBSCRIBE is sent, not yet confirmed
      await p.subscribed();
      expect(((await probe.pubsub('NUMSUB', `${prefix}events:job:progress:j${i}`)) as [string, number])[1]).toBe(1);
      p.publish('job:progress', `j${i}`, job(i));
      expect((await first).value).toEqual(job(i));
      await it.return?.();
    }
  });

  it('a real second process publishes; this one receives every event in order', async () => {
    const prefix = testPrefix('pubsub-proc');
    const sub = open(prefix).subscribe('job:progress', 'job1')[Symbol.asyncIterator]();
    const got = collect(sub, 50);
    await untilSubscribed(`${prefix}events:job:progress:job1`);
    const script = `
      import { RedisConnections } from './dist/src/redis/redis-connections.js';
      import { createRedisPubSub } from './dist/src/events/redis-pubsub.js';
      const c = new RedisConnections(process.env.URL, process.env.PREFIX, console);
      const p = createRedisPubSub(c);
      for (let i = 0; i < 50; i++) p.publish('job:progress', 'job1', { framesDone: i, updatedAt: new Date(1e12 + i) });
      await c.dispose();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: PACKAGE_ROOT, env: { ...process.env, URL: redisUrl, PREFIX: prefix }, stdio: 'inherit' });
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
    const events = await got;
    expect(events.map((e) => e.framesDone)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(events[49].updatedAt).toEqual(new Date(1e12 + 49));
    await sub.return?.();
  });
});
