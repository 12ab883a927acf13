import { FileBridgeError, errorMessage, isFileBridgeError } from '../errors';
import { backoffDelay, sleep } from '../backoff';
import type { RemoteSession } from './types';

export interface PoolOptions {
  /** Sessions open at once (FTP: one transfer each). */
  size: number;
  /** Close sessions unused for this long, so idle flows do not hold partner connections. */
  idleCloseMs: number;
  /** Further connection attempts after a failed one, before giving up on this request. */
  connectRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A pooled session idle for longer than this is pinged before it is handed out. */
  validateAfterMs: number;
  /**
   * A read stream whose consumer stopped reading for this long is destroyed (TIMEOUT) and its
   * session given back, so an unread payload cannot hold a connection for good; 0 = never.
   */
  unreadTimeoutMs?: number;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  size: 2,
  idleCloseMs: 30_000,
  connectRetries: 2,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  validateAfterMs: 2_000,
  unreadTimeoutMs: 300_000,
};

export type PoolState =
  | { state: 'connected'; sessions: number }
  | { state: 'connecting'; attempt: number }
  | { state: 'error'; error: FileBridgeError; nextAttemptInMs?: number }
  | { state: 'idle' };

/** Errors that another attempt with the same settings cannot fix: stop retrying, tell the user. */
const PERMANENT = new Set(['AUTHENTICATION', 'HOST_KEY_MISMATCH', 'TLS', 'INVALID_INPUT', 'PERMISSION_DENIED']);

export interface Lease<S extends RemoteSession> {
  readonly session: S;
  /** True when the session came from the pool rather than a fresh connect (it may have gone stale). */
  readonly reused: boolean;
  /** Returns the session; pass `broken` when it must not be reused. Safe to call twice. */
  release(broken?: boolean): void;
}

interface Waiter<S extends RemoteSession> {
  resolve: (lease: Lease<S>) => void;
  reject: (err: unknown) => void;
}

/**
 * A small pool of sessions to one server. Sessions are handed out exclusively (one FTP transfer per
 * control connection), opened on demand, retried with exponential backoff and jitter, and closed
 * when idle. A server that is down makes requests fail with a coded error; it never throws outside
 * a request, so Node-RED keeps running and the next request tries again.
 */
export class SessionPool<S extends RemoteSession> {
  private readonly idle: { session: S; since: number }[] = [];
  private leased = 0;
  private opening = 0;
  private readonly waiters: Waiter<S>[] = [];
  private closed = false;
  private idleTimer?: NodeJS.Timeout;
  private consecutiveFailures = 0;
  private readonly listeners = new Set<(state: PoolState) => void>();
  private lastState: PoolState = { state: 'idle' };
  /** Settles when the extra connection of `useReserve` is free again. */
  private reserveTurn: Promise<void> = Promise.resolve();

  constructor(
    private readonly open: () => Promise<S>,
    readonly options: PoolOptions = DEFAULT_POOL_OPTIONS,
  ) {}

  get state(): PoolState {
    return this.lastState;
  }

  onState(listener: (state: PoolState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async acquire(): Promise<Lease<S>> {
    if (this.closed) throw new FileBridgeError('CONNECTION', 'The server configuration is being stopped (redeploy or shutdown).');
    while (this.idle.length > 0) {
      const { session, since } = this.idle.pop()!;
      // Servers drop idle connections silently (timeouts, NAT); find out now, not mid-upload.
      if (session.alive && session.ping && Date.now() - since >= this.options.validateAfterMs) {
        this.leased++;
        const ok = await session.ping().then(
          () => true,
          () => false,
        );
        this.leased--;
        if (ok && !this.closed) {
          this.leased++;
          return this.lease(session, true);
        }
      } else if (session.alive) {
        this.leased++;
        return this.lease(session, true);
      }
      void session.close().catch(() => undefined);
    }
    if (this.leased + this.opening < this.options.size) {
      this.opening++;
      let session: S;
      try {
        session = await this.connectWithRetry();
      } catch (err) {
        this.opening--;
        // Requests queued behind this connect would otherwise wait for a release that never comes.
        this.wakeWaiter();
        throw err;
      }
      this.opening--;
      this.leased++;
      return this.lease(session, false);
    }
    return new Promise<Lease<S>>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Runs `fn` with a session. With `retryOnStale`, a CONNECTION failure on a reused session (the
   * server may have dropped it just now) is tried once more on a fresh one: only for operations
   * that are safe to repeat from the start (reads, mkdir), never for writes, moves or deletes.
   */
  async use<T>(fn: (session: S) => Promise<T>, retryOnStale: boolean): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const lease = await this.acquire();
      try {
        const result = await fn(lease.session);
        lease.release();
        return result;
      } catch (err) {
        const broken = !lease.session.alive || (isFileBridgeError(err) && (err.code === 'CONNECTION' || err.code === 'TIMEOUT'));
        lease.release(broken);
        if (broken) this.report({ state: 'error', error: toError(err) });
        if (retryOnStale && lease.reused && broken && attempt === 0) continue;
        throw err;
      }
    }
  }

  /**
   * Runs short work that must not wait for a long transfer (a watch renewing the lease of a file a
   * flow is still reading): on a pooled session when one is free, otherwise on one connection
   * beyond `size`, opened for it and closed right after. One such extra connection at a time.
   * Without it, two 5 GB streams on the default pool of 2 would hold every session past the lease,
   * and another runtime would take the files they are still reading.
   */
  async useReserve<T>(fn: (session: S) => Promise<T>): Promise<T> {
    const free = (): boolean => this.idle.length > 0 || this.leased + this.opening < this.options.size;
    // `use` takes a free session synchronously (before its first await), so the check holds.
    if (free()) return this.use(fn, false);
    const previous = this.reserveTurn;
    let done!: () => void;
    this.reserveTurn = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      if (this.closed) throw new FileBridgeError('CONNECTION', 'The server configuration was stopped (redeploy or shutdown).');
      if (free()) return await this.use(fn, false);
      const session = await this.open();
      try {
        return await fn(session);
      } finally {
        void session.close().catch(() => undefined);
      }
    } finally {
      done();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const sessions = this.idle.splice(0).map((i) => i.session);
    for (const w of this.waiters.splice(0)) {
      w.reject(new FileBridgeError('CONNECTION', 'The server configuration was stopped (redeploy or shutdown).'));
    }
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
  }

  private lease(session: S, reused: boolean): Lease<S> {
    let released = false;
    let lent = false;
    if (session.lendsSlot) {
      session.poolSlot = {
        wanted: () => this.waiters.length > 0,
        lend: () => {
          if (released || lent) return { taken: false, reclaim: () => undefined };
          lent = true;
          this.leased--;
          const taken = this.waiters.length > 0;
          this.wakeWaiter();
          return {
            taken,
            reclaim: () => {
              if (!lent) return;
              lent = false;
              this.leased++;
            },
          };
        },
      };
    }
    return {
      session,
      reused,
      release: (broken = false) => {
        if (released) return;
        released = true;
        if (session.lendsSlot) session.poolSlot = undefined;
        if (!lent) this.leased--;
        lent = false;
        // A session whose slot went to another caller meanwhile (lendSlot) may be one too many now.
        const surplus = this.leased + this.opening + this.idle.length >= this.options.size;
        if (broken || !session.alive || this.closed || surplus) {
          void session.close().catch(() => undefined);
          if (!surplus) this.wakeWaiter();
          return;
        }
        const waiter = this.waiters.shift();
        if (waiter) {
          this.leased++;
          waiter.resolve(this.lease(session, true));
          return;
        }
        this.idle.push({ session, since: Date.now() });
        this.scheduleIdleClose();
      },
    };
  }

  /** A slot freed without a session to pass on: open a new one for the first waiter. */
  private wakeWaiter(): void {
    const waiter = this.waiters.shift();
    if (!waiter) return;
    this.acquire().then(waiter.resolve, waiter.reject);
  }

  private async connectWithRetry(): Promise<S> {
    let lastError: FileBridgeError | undefined;
    for (let attempt = 0; attempt <= this.options.connectRetries; attempt++) {
      if (this.closed) break;
      if (attempt > 0 || this.consecutiveFailures > 0) {
        // Back off also across requests: a partner server that is down is not hammered by every poll.
        const delay = backoffDelay(attempt + Math.min(this.consecutiveFailures, 6) - 1, this.options.backoffBaseMs, this.options.backoffMaxMs);
        this.report({ state: 'error', error: lastError ?? this.lastError(), nextAttemptInMs: delay });
        await sleep(delay);
      }
      this.report({ state: 'connecting', attempt: attempt + 1 });
      try {
        const session = await this.open();
        this.consecutiveFailures = 0;
        this.report({ state: 'connected', sessions: this.leased + this.idle.length + 1 });
        return session;
      } catch (err) {
        lastError = toError(err);
        this.consecutiveFailures++;
        this.report({ state: 'error', error: lastError });
        if (PERMANENT.has(lastError.code)) throw lastError;
      }
    }
    throw lastError ?? new FileBridgeError('CONNECTION', 'The server configuration was stopped (redeploy or shutdown).');
  }

  private lastError(): FileBridgeError {
    return this.lastState.state === 'error' ? this.lastState.error : new FileBridgeError('CONNECTION', 'connection failed');
  }

  private scheduleIdleClose(): void {
    if (this.idleTimer || this.closed) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      const now = Date.now();
      for (let i = this.idle.length - 1; i >= 0; i--) {
        if (now - this.idle[i].since >= this.options.idleCloseMs) {
          const [{ session }] = this.idle.splice(i, 1);
          void session.close().catch(() => undefined);
        }
      }
      if (this.idle.length > 0) this.scheduleIdleClose();
      else if (this.leased === 0) this.report({ state: 'idle' });
    }, this.options.idleCloseMs);
    this.idleTimer.unref();
  }

  private report(state: PoolState): void {
    this.lastState = state;
    for (const l of this.listeners) {
      try {
        l(state);
      } catch {
        // A status listener must never break a transfer.
      }
    }
  }
}

function toError(err: unknown): FileBridgeError {
  return isFileBridgeError(err) ? err : new FileBridgeError('CONNECTION', errorMessage(err), {}, { cause: err });
}
