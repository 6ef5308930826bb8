// The webhook target policy: which URLs and resolved addresses a delivery may reach.
import { describe, expect, it } from 'vitest';
import { TargetRefused, WebhookTargetPolicy } from '../../src/modules/webhook/webhook-target.js';

describe('webhook target policy', () => {
  const open = new WebhookTargetPolicy([], []);

  it('refuses private, loopback, link-local and special addresses; public ones pass', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '224.0.0.1']) {
      expect(open.addressAllowed(a), a).toBe(false);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) expect(open.addressAllowed(a), a).toBe(true);
  });

  it('WEBHOOK_ALLOW_PRIVATE_NETWORKS opens exactly the networks it names', () => {
    const p = new WebhookTargetPolicy([], ['127.0.0.1/32', '10.0.0.0/8']);
    expect(p.addressAllowed('127.0.0.1')).toBe(true);
    expect(p.addressAllowed('10.9.9.9')).toBe(true);
    expect(p.addressAllowed('127.0.0.2')).toBe(false);
    expect(p.addressAllowed('192.168.0.1')).toBe(false);
  });

  it('checks the URL form and WEBHOOK_ALLOWED_HOSTS', () => {
    const p = new WebhookTargetPolicy(['hooks.example.com', '*.example.org'], []);
    expect(p.checkUrl('https://hooks.example.com/x').hostname).toBe('hooks.example.com');
    expect(p.checkUrl('https://a.b.example.org/x').hostname).toBe('a.b.example.org');
    expect(() => p.checkUrl('https://example.com/x')).toThrow(TargetRefused);
    expect(() => open.checkUrl('ftp://example.com/x')).toThrow(TargetRefused);
    expect(() => open.checkUrl('https://user:pw@example.com/x')).toThrow(TargetRefused);
    expect(() => open.checkUrl('not a url')).toThrow(TargetRefused);
  });

  it('resolves names and refuses one that resolves to a refused address (the lookup of every delivery)', async () => {
    await expect(open.resolve('localhost')).rejects.toThrow(/private or loopback/);
    await expect(open.resolve('[::1]')).rejects.toThrow(TargetRefused);
    const refused = await new Promise<Error | null>((resolve) => open.lookup()('localhost', {}, (err) => resolve(err)));
    expect(refused).toBeInstanceOf(TargetRefused);
  });
});
