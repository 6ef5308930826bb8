// Who is on each graphql-ws socket, kept valid for as long as the socket lives: the credential
// sent at connection_init is verified again before every operation, when it expires, every
// WS_AUTH_RECHECK_MS (a revocation in another process, an expiry moved), and at once when a
// revocation is announced. A socket whose caller is no longer valid is closed with 4403, which
// ends every subscription on it.
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { AuthGuard } from './auth/auth-guard.js';
import type { Principal } from '../modules/auth/principal.js';

export const CLOSE_FORBIDDEN = 4403;

interface Held {
  credential: unknown;
  principal: Principal;
  expiry?: NodeJS.Timeout;
}

export class SocketPrincipals {
  private readonly sockets = new Map<WebSocket, Held>();
  private readonly recheck: NodeJS.Timeout;

  constructor(
    private readonly guard: AuthGuard,
    recheckMs: number,
    private readonly log: Logger,
  ) {
    this.recheck = setInterval(() => void this.recheckAll(), recheckMs);
    this.recheck.unref();
  }

  /** At connection_init: the caller, or null (the socket is then refused with 4403). */
  async admit(socket: WebSocket, credential: unknown): Promise<Principal | null> {
    const principal = await this.guard.authenticate(credential).catch(() => null);
    if (!principal) return null;
    this.hold(socket, { credential, principal });
    return principal;
  }

  /** Before an operation: the caller as valid now, or null after closing the socket. */
  async current(socket: WebSocket): Promise<Principal | null> {
    const held = this.sockets.get(socket);
    if (!held) return null;
    let principal: Principal;
    try {
      principal = await this.guard.authenticate(held.credential);
    } catch (err) {
      // A refusal closes the socket; a failure to check (the database briefly down) does not.
      if ((err as { extensions?: { code?: unknown } }).extensions?.code !== 'UNAUTHENTICATED') {
        this.log.warn({ err }, 'graphql-ws: could not verify a socket\'s credentials again; keeping the last verified caller');
        return held.principal;
      }
      this.refuse(socket, 'credentials no longer valid');
      return null;
    }
    if (this.sockets.get(socket) === held) this.hold(socket, { credential: held.credential, principal });
    return principal;
  }

  /** The last verified principal of a socket (for the context of an operation just checked). */
  principal(socket: WebSocket): Principal | undefined {
    return this.sockets.get(socket)?.principal;
  }

  /** A revoked key or subject: every socket it holds is closed now. */
  revoked(principalId: string): void {
    for (const [socket, held] of this.sockets) if (held.principal.id === principalId) this.refuse(socket, 'revoked');
  }

  forget(socket: WebSocket): void {
    clearTimeout(this.sockets.get(socket)?.expiry);
    this.sockets.delete(socket);
  }

  dispose(): void {
    clearInterval(this.recheck);
    for (const socket of [...this.sockets.keys()]) this.forget(socket);
  }

  private hold(socket: WebSocket, held: Held): void {
    clearTimeout(this.sockets.get(socket)?.expiry);
    const at = held.principal.expiresAt;
    // Checked again just after the credential's own expiry (setTimeout holds at most ~24.8 days).
    if (at != null) held.expiry = setTimeout(() => void this.current(socket), Math.min(Math.max(at - Date.now() + 50, 0), 2 ** 31 - 1));
    held.expiry?.unref();
    this.sockets.set(socket, held);
  }

  private refuse(socket: WebSocket, why: string): void {
    const held = this.sockets.get(socket);
    this.forget(socket);
    this.log.info({ principal: held?.principal.id, why }, 'graphql-ws socket closed: its caller is no longer valid');
    socket.close(CLOSE_FORBIDDEN, 'Forbidden');
  }

  private async recheckAll(): Promise<void> {
    for (const socket of [...this.sockets.keys()]) await this.current(socket);
  }
}
