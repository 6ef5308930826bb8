// Which process of a fleet holds a session's live state (README "The fleet"). The holder renews
// its lease every heartbeat; a holder that dies stops renewing and the lease lapses. Whoever works
// on a session next (a routed call, a propagation job) claims it; the holder it was taken from
// finds out at its next renewal and drops its copy, so there is one live copy at a time. The open
// sessions are counted here too, so SESSION_MAX_OPEN and SESSION_MAX_OPEN_PER_KEY hold across the
// fleet. ROLE=all has none of this: its one process holds every session.

/** Caps checked when a session is opened (started, or reopened after a close); not on a rebuild. */
export interface OpenCaps {
  maxOpen: number;
  maxOpenPerKey: number;
}

export type Claim =
  /** This process held it already: its live copy is current. */
  | 'kept'
  /** Taken (new, lapsed, or from another process): a live copy this process had is stale. */
  | 'taken'
  /** Refused by a cap (only when opening). */
  | 'over-cap'
  | 'over-cap-per-key';

export interface SessionLeases {
  /** Takes the session for this process; `opening` counts it against the caps. */
  claim(sessionId: string, ownerId: string | null, opening?: OpenCaps): Promise<Claim>;
  /** Renews the leases of these sessions; returns those no longer this process's. */
  renew(sessions: readonly { id: string; ownerId: string | null }[]): Promise<string[]>;
  /** Gives the session up (closed, dropped) if this process holds it. */
  release(sessionId: string, ownerId: string | null): Promise<void>;
  /** The process holding the session now, or null. */
  holder(sessionId: string): Promise<string | null>;
}
