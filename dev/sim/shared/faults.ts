/** What the simulators' fault knobs share: validating a partial update (`POST /_sim/faults`, `setFaults`). */

/**
 * What a knob holds: `count` a number >= 0 (`finite`: and not Infinity), `share` a number 0..1,
 * `boolean` true or false, `text` a string of at most 200 characters.
 */
export type KnobKind = 'count' | 'finite' | 'share' | 'boolean' | 'text';

/** Validates a partial update against the knobs' kinds; unknown keys are an error so typos show. */
export function mergeKnobs<F extends object>(current: F, update: Record<string, unknown>, kinds: Readonly<Record<keyof F, KnobKind>>): F {
  const next: F = { ...current };
  for (const [key, value] of Object.entries(update)) {
    const kind = Object.hasOwn(kinds, key) ? kinds[key as keyof F] : undefined;
    switch (kind) {
      case 'count':
      case 'finite':
        if (typeof value !== 'number' || !(value >= 0) || (kind === 'finite' && !Number.isFinite(value))) throw new Error(`${key} must be a number >= 0`);
        break;
      case 'share':
        if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error(`${key} must be a number between 0 and 1`);
        break;
      case 'boolean':
        if (typeof value !== 'boolean') throw new Error(`${key} must be a boolean`);
        break;
      case 'text':
        if (typeof value !== 'string' || value.length > 200) throw new Error(`${key} must be a string of at most 200 characters`);
        break;
      default:
        throw new Error(`Unknown fault knob '${key}'`);
    }
    (next as Record<string, unknown>)[key] = value;
  }
  return next;
}
