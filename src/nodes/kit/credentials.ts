import type { NodeAPI } from 'node-red';

/** What the editor sends for a secret the user did not retype. */
export const UNCHANGED_SECRET = '__PWRD__';

/**
 * The secrets a config dialog's Test connection (or picker) should use: what the user typed, and
 * for a secret left unchanged the one stored with the deployed node `id`.
 */
export function secretsFromDialog<K extends string>(
  RED: NodeAPI,
  id: string | undefined,
  typed: Partial<Record<K, string>> | undefined,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const stored = (id ? RED.nodes.getCredentials(id) : undefined) as Partial<Record<K, string>> | undefined;
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = typed?.[key];
    out[key] = value === UNCHANGED_SECRET || value === undefined ? stored?.[key] : value;
  }
  return out;
}
