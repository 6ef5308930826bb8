// Sends due deliveries and retries failed ones with exponential backoff (base * 2^(attempt-1)),
// up to WEBHOOK_MAX_ATTEMPTS. Deliveries live in the database, so a restart resumes them. Each
// attempt claims its row first (moves nextAttemptAt), so two instances never send the same try.
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Prisma } from '../../db/database.js';
import { sendSigned } from './webhook-sender.js';
import type { WebhookTargetPolicy } from './webhook-target.js';

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private disposed = false;

  constructor(
    private readonly prisma: Prisma,
    private readonly policy: WebhookTargetPolicy,
    private readonly cfg: Config['webhooks'],
    private readonly log: Logger,
  ) {}

  /** Look for due deliveries now. */
  kick(): void {
    if (this.disposed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) => this.log.warn({ err }, 'webhook dispatch failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        } else void this.schedule();
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const due = await this.prisma.webhookDelivery.findMany({ where: { status: 'PENDING', nextAttemptAt: { lte: new Date() } }, orderBy: { nextAttemptAt: 'asc' }, take: 20, include: { webhook: true } });
      if (!due.length || this.disposed) return;
      await Promise.all(due.map((d) => this.attempt(d)));
    }
  }

  private async attempt(d: { id: string; attempts: number; nextAttemptAt: Date; payload: string; webhook: { url: string; secret: string } }): Promise<void> {
    const claimed = await this.prisma.webhookDelivery.updateMany({ where: { id: d.id, status: 'PENDING', nextAttemptAt: d.nextAttemptAt }, data: { nextAttemptAt: new Date(Date.now() + 2 * this.cfg.timeoutMs) } });
    if (!claimed.count) return;
    const r = await sendSigned(this.policy, d.webhook.url, d.webhook.secret, d.id, d.payload, this.cfg.timeoutMs);
    const attempts = d.attempts + 1;
    if (r.ok) {
      await this.prisma.webhookDelivery.update({ where: { id: d.id }, data: { status: 'SUCCEEDED', attempts, lastStatus: r.status, lastError: null, deliveredAt: new Date() } });
      return;
    }
    const last = attempts >= this.cfg.maxAttempts;
    await this.prisma.webhookDelivery.update({
      where: { id: d.id },
      data: { status: last ? 'FAILED' : 'PENDING', attempts, lastStatus: r.status, lastError: r.error?.slice(0, 500) ?? null, nextAttemptAt: new Date(Date.now() + this.cfg.retryBaseMs * 2 ** (attempts - 1)) },
    });
    this.log.info({ delivery: d.id, attempts, error: r.error, final: last }, 'webhook delivery failed');
  }

  /** Wake up when the next retry is due. */
  private async schedule(): Promise<void> {
    clearTimeout(this.timer);
    if (this.disposed) return;
    const next = await this.prisma.webhookDelivery.findFirst({ where: { status: 'PENDING' }, orderBy: { nextAttemptAt: 'asc' }, select: { nextAttemptAt: true } }).catch(() => null);
    if (!next || this.disposed) return;
    this.timer = setTimeout(() => this.kick(), Math.max(0, next.nextAttemptAt.getTime() - Date.now()) + 5);
    this.timer.unref();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
