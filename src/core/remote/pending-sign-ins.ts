import { randomBytes } from 'node:crypto';

/**
 * Sign-ins that were started and wait for their code (the editor's "Connect to Dropbox"): what the
 * exchange will need (the PKCE verifier, which never leaves the runtime) kept under a one-time,
 * unguessable state. A state is taken once; it expires after `ttlMs`; at most `max` wait at a
 * time (the oldest goes first), so a busy or hostile caller cannot make the map grow.
 */
export class PendingSignIns<T> {
  private readonly waiting = new Map<string, { value: T; expiresAt: number }>();

  constructor(
    private readonly ttlMs = 15 * 60_000,
    private readonly max = 64,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps `value` and returns its new state. */
  start(value: T): string {
    this.sweep();
    while (this.waiting.size >= this.max) {
      const oldest = this.waiting.keys().next().value as string;
      this.waiting.delete(oldest);
    }
    const state = randomBytes(24).toString('base64url');
    this.waiting.set(state, { value, expiresAt: this.now() + this.ttlMs });
    return state;
  }

  /** The value of `state`, once; undefined when unknown, taken already or expired. */
  take(state: unknown): T | undefined {
    this.sweep();
    if (typeof state !== 'string') return undefined;
    const entry = this.waiting.get(state);
    if (!entry) return undefined;
    this.waiting.delete(state);
    return entry.value;
  }

  get size(): number {
    this.sweep();
    return this.waiting.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [state, entry] of this.waiting) if (entry.expiresAt <= now) this.waiting.delete(state);
  }
}
