// Signed, expiring download URLs: an HMAC-SHA256 of the path and the expiry time, so a URL works
// in <img> and <video> without an Authorization header, and only until it expires.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type DownloadKind = 'artifact' | 'media' | 'frame';

export class UrlSigner {
  private readonly key: Buffer;

  /** `secret` unset: a random key for this process (URLs stop working at restart). */
  constructor(
    secret: string | undefined,
    readonly ttlSec: number,
  ) {
    this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  private mac(pathname: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${pathname}\n${exp}`).digest('base64url');
  }

  /** `/download/<kind>/<id>[/<part>]?exp=<unix s>&sig=<mac>`, valid for ttlSec. */
  sign(kind: DownloadKind, id: string, part?: string | number, now = Date.now()): string {
    const pathname = `/download/${kind}/${encodeURIComponent(id)}${part !== undefined ? `/${encodeURIComponent(String(part))}` : ''}`;
    const exp = Math.floor(now / 1000) + this.ttlSec;
    return `${pathname}?exp=${exp}&sig=${this.mac(pathname, exp)}`;
  }

  /** 'ok', or why the URL is refused. */
  verify(pathname: string, exp: unknown, sig: unknown, now = Date.now()): 'ok' | 'expired' | 'bad-signature' {
    if (typeof exp !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(exp)) return 'bad-signature';
    const want = Buffer.from(this.mac(pathname, Number(exp)));
    const got = Buffer.from(sig);
    if (got.length !== want.length || !timingSafeEqual(got, want)) return 'bad-signature';
    return Number(exp) * 1000 < now ? 'expired' : 'ok';
  }
}
