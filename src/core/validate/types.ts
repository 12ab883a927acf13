/** One failed rule. `rule` names the rule family, `reason` says what is wrong in words a user can act on. */
export interface ValidationError {
  rule: RuleName;
  reason: string;
  [detail: string]: unknown;
}

export interface ValidationResult {
  valid: boolean;
  errors: ValidationError[];
}

export type RuleName = 'name' | 'extension' | 'size' | 'nonEmpty' | 'magic' | 'checksum' | 'csv' | 'json' | 'xml' | 'manifest';

/**
 * A rule that looks at the bytes. It sees every chunk of one pass over the file, in order, and
 * reports at the end; it must keep only bounded state, since files can be far larger than memory.
 */
export interface ContentCheck {
  update(chunk: Buffer): void | Promise<void>;
  finish(): ValidationError[] | Promise<ValidationError[]>;
  /** Called instead of `finish` when the pass is abandoned (source failed): drop parsers and buffers. */
  abort?(): void;
}

/** Lower-cased extension without the dot (`INV.PDF` -> `pdf`, `a.tar.gz` -> `gz`, `README` -> ''). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** Keeps the first `max` errors of a rule and says how many more there were, so a bad 1 GB CSV does not make a 1 GB message. */
export function capErrors(errors: ValidationError[], max: number): ValidationError[] {
  if (errors.length <= max) return errors;
  const kept = errors.slice(0, max);
  const rule = errors[0].rule;
  kept.push({ rule, reason: `${errors.length - max} more ${rule} error(s) not listed.`, omitted: errors.length - max });
  return kept;
}

/** A side-car or manifest above the size the validator reads into memory: the rule fails, nothing breaks. */
export class RemoteFileTooLarge extends Error {
  constructor(
    readonly path: string,
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`${path} has ${size} bytes, more than the ${maxBytes}-byte limit for side-car and manifest files.`);
    this.name = 'RemoteFileTooLarge';
  }
}
