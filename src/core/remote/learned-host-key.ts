import { FileBridgeError, errorMessage } from '../errors';
import type { KeyValueStore } from '../key-value-store';

/**
 * Trust on first use, remembered: the SFTP host key accepted on the first connection is written to a
 * store that outlives a restart, and read back before any later connection, which is then checked
 * against it like a pinned key. Without that, a restart would forget the key and silently trust
 * whatever key is presented next: whoever intercepts the first connection after any restart.
 */

/** The store key (Node-RED: in the server config node's context). Earlier versions kept a bare fingerprint there. */
export const LEARNED_HOST_KEY = 'learnedHostKey';

/** What is stored: the key and the server it was learned from, so a changed host or port learns anew. */
export interface LearnedHostKey {
  host: string;
  port: number;
  fingerprint: string;
  learnedAt: string;
}

export interface HostKeyMemory {
  /** Loads the remembered key into `pins` (once; again after a failed read). Call before connecting. */
  load(): Promise<void>;
  /**
   * Records a key that trust on first use accepted; resolves once it is stored and pinned. Keys are
   * learned one at a time: a second connection that learned another key while the first was being
   * stored is refused with HOST_KEY_MISMATCH.
   */
  learn(fingerprint: string): Promise<void>;
}

function sameServer(record: LearnedHostKey, host: string, port: number): boolean {
  return record.host.toLowerCase() === host.toLowerCase() && record.port === port;
}

function isRecord(value: unknown): value is LearnedHostKey {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return typeof r.host === 'string' && typeof r.port === 'number' && typeof r.fingerprint === 'string';
}

/**
 * The memory of one server configuration. `pins` is the options' `hostKeyPins` array: a loaded or
 * learned key is added there, so every later connection of this deployment checks against it.
 * `store` undefined: nothing outlives the process (Test connection, which learns nothing for later).
 */
export function hostKeyMemory(pins: string[], server: { host: string; port: number }, store: KeyValueStore | undefined): HostKeyMemory {
  let loaded: Promise<void> | undefined;
  let learning: Promise<void> = Promise.resolve();
  const where = `${server.host}:${server.port}`;

  const read = async (): Promise<void> => {
    if (!store) return;
    let value: unknown;
    try {
      value = await store.get(LEARNED_HOST_KEY);
    } catch (err) {
      throw new FileBridgeError(
        'CONNECTION',
        `Cannot read the host key that trust on first use learned for ${where} from its context store: ${errorMessage(err)}. Not connecting until it can be read.`,
        {},
        { cause: err },
      );
    }
    // A bare fingerprint was stored by earlier versions for this same configuration.
    const fingerprint = typeof value === 'string' ? value : isRecord(value) && sameServer(value, server.host, server.port) ? value.fingerprint : undefined;
    if (fingerprint && !pins.includes(fingerprint)) pins.push(fingerprint);
  };

  const record = async (fingerprint: string): Promise<void> => {
    if (pins.length > 0) {
      if (pins.includes(fingerprint)) return;
      throw new FileBridgeError(
        'HOST_KEY_MISMATCH',
        `${where} presented the host key ${fingerprint}, but trust on first use has just accepted ${pins.join(', ')} from another connection to it. Refusing: someone may be intercepting some of the connections.`,
        { fingerprint, expected: [...pins] },
      );
    }
    if (store) {
      const entry: LearnedHostKey = { host: server.host, port: server.port, fingerprint, learnedAt: new Date().toISOString() };
      try {
        await store.set(LEARNED_HOST_KEY, entry);
      } catch (err) {
        throw new FileBridgeError(
          'CONNECTION',
          `Trust on first use accepted the host key ${fingerprint} of ${where} but could not store it: ${errorMessage(err)}. Not using the connection, since a restart would forget the key.`,
          { fingerprint },
          { cause: err },
        );
      }
    }
    pins.push(fingerprint);
  };

  return {
    load: () => {
      loaded ??= read().catch((err: unknown) => {
        loaded = undefined;
        throw err;
      });
      return loaded;
    },
    learn: (fingerprint) => {
      const run = learning.then(() => record(fingerprint));
      learning = run.catch(() => undefined);
      return run;
    },
  };
}
