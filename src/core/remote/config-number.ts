import { FileBridgeError } from '../errors';

/**
 * A number a config dialog stored (possibly as text): the fallback when blank, else a number within
 * min..max, or an INVALID_INPUT naming the field (`what`) and the range.
 */
export function numberField(value: number | string | undefined, fallback: number, what: string, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new FileBridgeError('INVALID_INPUT', `${what} must be a number from ${min} to ${max}, got "${String(value)}".`);
  }
  return n;
}
