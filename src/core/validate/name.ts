import type { ValidationError } from './types';
import { extensionOf } from './types';

export interface NameRule {
  /** Compiled from the user's pattern, anchored so it must match the whole name. */
  regex: RegExp;
  source: string;
}

export interface NameOutcome {
  errors: ValidationError[];
  /** Named groups of the match (groups that did not take part are left out). */
  fields: Record<string, string>;
}

export function checkName(name: string, rule: NameRule): NameOutcome {
  const match = rule.regex.exec(name);
  if (!match) {
    return { errors: [{ rule: 'name', reason: `The name "${name}" does not match the pattern ${rule.source}.`, name, pattern: rule.source }], fields: {} };
  }
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(match.groups ?? {})) {
    if (value !== undefined) fields[key] = value;
  }
  return { errors: [], fields };
}

export function checkExtension(name: string, allowed: readonly string[]): ValidationError[] {
  const ext = extensionOf(name);
  if (allowed.includes(ext)) return [];
  return [
    {
      rule: 'extension',
      reason: ext
        ? `The extension ".${ext}" is not allowed; allowed: ${allowed.map((e) => `.${e}`).join(', ')}.`
        : `The name "${name}" has no extension; allowed: ${allowed.map((e) => `.${e}`).join(', ')}.`,
      extension: ext,
      allowed: [...allowed],
    },
  ];
}

export interface SizeRule {
  min?: number;
  max?: number;
}

export function checkSize(size: number, rule: SizeRule): ValidationError[] {
  if (rule.min !== undefined && size < rule.min) {
    return [{ rule: 'size', reason: `The file has ${size} bytes, fewer than the minimum of ${rule.min}.`, size, min: rule.min }];
  }
  if (rule.max !== undefined && size > rule.max) {
    return [{ rule: 'size', reason: `The file has ${size} bytes, more than the maximum of ${rule.max}.`, size, max: rule.max }];
  }
  return [];
}

export function checkNonEmpty(size: number): ValidationError[] {
  return size === 0 ? [{ rule: 'nonEmpty', reason: 'The file is empty (0 bytes).', size }] : [];
}
