/** The batch node's dialog fields and the settings they make. */
import { FileBridgeError } from '../errors';
import { DEFAULT_BATCH_SETTINGS, type BatchSettings } from './batch';

export interface BatchConfigFields {
  /** Where the batch key is read (a TypedInput: msg property, JSONata...), default `msg.topic`. */
  key?: string;
  keyType?: string;
  /** The message property collected into the batch, default `payload`. */
  property?: string;
  /** Seconds without a message of a batch after which it is complete. */
  quietSeconds?: string | number;
  /** Items after which a batch is complete at once. */
  maxItems?: string | number;
  /** Context store the open batches are kept in ('' = the default store). */
  store?: string;
}

function number(value: string | number | undefined, fallback: number, what: string, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new FileBridgeError('INVALID_INPUT', `${what} must be a number from ${min} to ${max}, got "${String(value)}".`);
  return n;
}

export function batchSettingsFromConfig(f: BatchConfigFields): BatchSettings {
  return {
    quietMs: Math.round(number(f.quietSeconds, DEFAULT_BATCH_SETTINGS.quietMs / 1000, 'Complete after (quiet seconds)', 0.1, 86_400) * 1000),
    maxItems: Math.floor(number(f.maxItems, DEFAULT_BATCH_SETTINGS.maxItems, 'At most (items)', 1, 100_000)),
    maxItemBytes: DEFAULT_BATCH_SETTINGS.maxItemBytes,
  };
}
