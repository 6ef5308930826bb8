// What a web page in the user's browser may do with this server. Other origins are allowed only
// through CORS_ORIGINS (CORS headers, and the same list for the graphql-ws upgrade and for
// state-changing requests such as /upload); with AUTH_MODE=none, where every caller is an admin,
// the Host header must also name this server (a page that rebinds its own domain to 127.0.0.1
// sends its domain as Host and is refused).
import type { IncomingMessage } from 'node:http';
import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';

const LOCAL_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class BrowserGuard {
  private readonly origins: ReadonlySet<string>;
  private readonly checkHost: boolean;

  constructor(
    private readonly config: Pick<Config, 'auth' | 'host' | 'http'>,
    /** The port the server is bound to (known once it listens). */
    private readonly port: () => number,
  ) {
    this.origins = new Set(config.http.corsOrigins);
    this.checkHost = config.auth.mode === 'none';
  }

  /** AUTH_MODE=none: the Host must be a local name or HOST at the bound port, or in ALLOWED_HOSTS. */
  hostAllowed(host: string | undefined): boolean {
    if (!this.checkHost) return true;
    if (!host) return false;
    let url: URL;
    try {
      url = new URL(`http://${host}`);
    } catch {
      return false;
    }
    const name = url.hostname;
    const port = url.port || '80';
    const extra = this.config.http.allowedHosts;
    if (extra.includes(name) || extra.includes(`${name}:${port}`)) return true;
    const bound = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    return (LOCAL_NAMES.includes(name) || name === bound.toLowerCase()) && port === String(this.port());
  }

  /** No Origin (not a browser, or a same-origin GET), this server's own origin, or CORS_ORIGINS. */
  originAllowed(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.origins.has(origin)) return true;
    try {
      return host !== undefined && new URL(origin).host === host.toLowerCase();
    } catch {
      return false;
    }
  }

  /** The graphql-ws upgrade: the same Host rule, and its Origin checked like any request's. */
  upgradeAllowed(req: IncomingMessage): boolean {
    return this.hostAllowed(req.headers.host) && this.originAllowed(req.headers.origin, req.headers.host);
  }

  /** Host check, CORS for the allowed origins, and no state change from a foreign origin. */
  middleware(): RequestHandler[] {
    const refuse = (res: Response, message: string) => res.status(403).json({ errors: [{ message, extensions: { code: 'FORBIDDEN' } }] });
    return [
      (req: Request, res: Response, next: NextFunction) => {
        // /healthz stays open to probes that address the server by an IP or a service name.
        if (req.path !== '/healthz' && !this.hostAllowed(req.headers.host)) return void refuse(res, `Host ${JSON.stringify(req.headers.host ?? '')} is not this server; with AUTH_MODE=none only local names are served (ALLOWED_HOSTS adds more)`);
        next();
      },
      cors({
        origin: (origin, done) => done(null, origin !== undefined && this.origins.has(origin)),
        exposedHeaders: ['x-request-id', 'retry-after'],
        maxAge: 600,
      }),
      (req: Request, res: Response, next: NextFunction) => {
        // A cross-site form or simple POST (e.g. text/plain to /upload) carries its Origin.
        if (!SAFE_METHODS.has(req.method) && !this.originAllowed(req.headers.origin, req.headers.host)) {
          return void refuse(res, `Origin ${JSON.stringify(req.headers.origin)} is not allowed (CORS_ORIGINS)`);
        }
        next();
      },
    ];
  }
}
