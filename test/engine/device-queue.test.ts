// The device queue: one call at a time per device, interactive before background, and a
// deadline that holds while a call waits and while it runs.
import { describe, expect, it } from 'vitest';
import { DeviceQueues, INTERACTIVE_BURST, INTERACTIVE_SHARE, PRIORITY_BACKGROUND, PRIORITY_IDLE, PRIORITY_INTERACTIVE } from '../../src/engine/device-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A queue on a clock that moves only as its calls say they took (`ms`, 1 unless told), and the
 * order in which the calls started.
 */
function clockedQueue() {
  let clock = 0;
  const q = new DeviceQueues(1, 10_000, () => clock);
  const order: string[] = [];
  const call = (name: string, ms = 1) => async () => {
    order.push(name);
    clock += ms;
    await sleep(1);
  };
  return { q, order, call };
}

describe('device queue', () => {
  it('runs interactive work before queued background work', async () => {
    const q = new DeviceQueues(1, 10_000);
    const order: string[] = [];
    const job = (name: string, ms: number) => async () => {
      order.push(name);
      await sleep(ms);
    };
    const all = [q.run('cpu', job('first', 30), PRIORITY_BACKGROUND), q.run('cpu', job('bg', 1), PRIORITY_BACKGROUND), q.run('cpu', job('click', 1), PRIORITY_INTERACTIVE)];
    await Promise.all(all);
    expect(order).toEqual(['first', 'click', 'bg']);
  });

  it('lets waiting background work through after INTERACTIVE_BURST interactive calls in a row', async () => {
    // Every call takes 1 on the queue's clock: the count decides (INTERACTIVE_SHARE x 1 < INTERACTIVE_BURST).
    const { q, order, call } = clockedQueue();
    const all = [q.run('cpu', call('running'), PRIORITY_INTERACTIVE), q.run('cpu', call('job-1'), PRIORITY_BACKGROUND), q.run('cpu', call('job-2'), PRIORITY_BACKGROUND)];
    for (let i = 0; i < 12; i++) all.push(q.run('cpu', call(`click-${i}`), PRIORITY_INTERACTIVE));
    await Promise.all(all);
    const clicks = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `click-${from + i}`);
    // The first call starts at once; then bursts of clicks, each followed by one job call.
    expect(order).toEqual(['running', ...clicks(0, INTERACTIVE_BURST), 'job-1', ...clicks(INTERACTIVE_BURST, 2 * INTERACTIVE_BURST), 'job-2', ...clicks(2 * INTERACTIVE_BURST, 12)]);
  });

  it('gives a long background call its turn only after the clicks had the device INTERACTIVE_SHARE times as long', async () => {
    // 10 per click, 100 per job call.
    const { q, order, call } = clockedQueue();
    const all = [q.run('cpu', call('job-0', 100), PRIORITY_BACKGROUND), q.run('cpu', call('job-1', 100), PRIORITY_BACKGROUND)];
    for (let i = 0; i < 40; i++) all.push(q.run('cpu', call(`click-${i}`, 10), PRIORITY_INTERACTIVE));
    await Promise.all(all);
    // job-0 took 100: the clicks keep the device for INTERACTIVE_SHARE x 100 of their time (not INTERACTIVE_BURST clicks).
    const n = (INTERACTIVE_SHARE * 100) / 10;
    expect(n).toBeGreaterThan(INTERACTIVE_BURST);
    expect(order.indexOf('job-1')).toBe(1 + n + 1);
  });

  it('runs idle work (background encoding) after every click and job call, and never promotes it', async () => {
    const { q, order, call } = clockedQueue();
    const all = [q.run('cpu', call('running'), PRIORITY_INTERACTIVE), q.run('cpu', call('encode'), PRIORITY_IDLE), q.run('cpu', call('job'), PRIORITY_BACKGROUND)];
    for (let i = 0; i < 2 * INTERACTIVE_BURST; i++) all.push(q.run('cpu', call(`click-${i}`), PRIORITY_INTERACTIVE));
    await Promise.all(all);
    // The job takes its turn after a burst of clicks; the idle call waits for all of them.
    expect(order.indexOf('job')).toBe(INTERACTIVE_BURST + 1);
    expect(order.at(-1)).toBe('encode');
  });

  it('rejects a waiting call at its deadline and never starts it', async () => {
    const q = new DeviceQueues(1, 10_000);
    let ran = false;
    const long = q.run('cpu', () => sleep(150));
    const started = Date.now();
    const err = await q.run('cpu', async () => void (ran = true), PRIORITY_INTERACTIVE, 40).catch((e) => e);
    expect(err.code).toBe('INFERENCE_TIMEOUT');
    expect(err.message).toMatch(/did not start/);
    expect(Date.now() - started).toBeLessThan(130); // at the deadline, not when the device frees up
    await long;
    await q.drain();
    expect(ran).toBe(false);
  });

  it('rejects a running call at its deadline, and keeps the device until it ends', async () => {
    const q = new DeviceQueues(1, 10_000);
    let ended = false;
    const err = await q.run('cpu', () => sleep(120).then(() => void (ended = true)), PRIORITY_INTERACTIVE, 30).catch((e) => e);
    expect(err.message).toMatch(/exceeded its 30 ms deadline/);
    expect(ended).toBe(false);
    expect(q.stats().cpu.running).toBe(1);
    await q.run('cpu', async () => expect(ended).toBe(true));
  });
});
