import type { Clock } from '../../../core/support/clock.js';
import type { Rng } from '../../../core/support/random.js';

/**
 * LuxOS sessions (docs.luxor.tech, "Session management"): at most one session at a time, created by `logon`, dropped
 * by `logoff`, expiring after one minute without use; every use refreshes it. Write commands take the session id as
 * their first parameter.
 */
export class LuxSessions {
  private active: { id: string; lastUsedMs: number } | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly idleTimeoutMs = 60_000,
  ) {}

  /** The new session id, or null when another session is still active. */
  logon(): string | null {
    if (this.current() !== null) return null;
    const id = randomSessionId(this.rng);
    this.active = { id, lastUsedMs: this.clock.nowMs() };
    return id;
  }

  logoff(id: string): boolean {
    if (this.current() !== id) return false;
    this.active = null;
    return true;
  }

  /** Checks a session id and refreshes it on success. */
  use(id: string): boolean {
    if (this.current() !== id || this.active === null) return false;
    this.active.lastUsedMs = this.clock.nowMs();
    return true;
  }

  /** The active session id, or null. */
  current(): string | null {
    if (this.active && this.clock.nowMs() - this.active.lastUsedMs > this.idleTimeoutMs) this.active = null;
    return this.active?.id ?? null;
  }
}

const SESSION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Eight alphanumerics, the shape of the ids in the LuxOS docs (e.g. `yJN2nlj1`). */
function randomSessionId(rng: Rng): string {
  let id = '';
  for (let i = 0; i < 8; i++) id += SESSION_ALPHABET[Math.floor(rng.next() * SESSION_ALPHABET.length)];
  return id;
}
