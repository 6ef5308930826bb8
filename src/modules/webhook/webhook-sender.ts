// One POST of a signed event (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature)
// through node:http(s) with the policy's lookup, a timeout, and no redirects followed.
import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import type { WebhookTargetPolicy } from './webhook-target.js';

export interface SendResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

export function sendSigned(policy: WebhookTargetPolicy, target: string, secret: string, msgId: string, payload: string, timeoutMs: number): Promise<SendResult> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = policy.checkUrl(target);
    } catch (err) {
      resolve({ ok: false, status: null, error: (err as Error).message });
      return;
    }
    const now = new Date();
    const signature = new Webhook(secret).sign(msgId, now, payload);
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(
      url,
      {
        method: 'POST',
        lookup: policy.lookup(),
        timeout: timeoutMs,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'maskql-webhooks',
          'webhook-id': msgId,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({ ok: status >= 200 && status < 300, status, error: status >= 200 && status < 300 ? null : `HTTP ${status}` });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, status: null, error: err.message }));
    req.end(payload);
  });
}
