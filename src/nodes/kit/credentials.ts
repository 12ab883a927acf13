import type { NodeAPI } from 'node-red';
import { FileBridgeError } from '../../core/errors';

/** What the editor sends for a secret the user did not retype. */
export const UNCHANGED_SECRET = '__PWRD__';

/**
 * A deployed config node that lets its dialog reuse its stored secrets: it records, when it
 * starts, where those secrets go (`serverSecretScope`, `csSecretScope`).
 */
export interface SecretScoped {
  secretScope?: string;
}

/** Which deployed node's stored secrets a dialog may fall back on, and how to explain a refusal. */
export interface StoredSecretsRequest<K extends string> {
  /** The node id the dialog sent. */
  id: string | undefined;
  /** The config node type the endpoint belongs to: a node of any other type never lends its secrets. */
  type: string;
  /** Where the secrets would go with the dialog's fields now (same function as the deployed node used). */
  scope: string;
  /** The fields that make up the scope, for the message: "protocol, host, port and user". */
  settings: string;
  /** How the dialog names each secret: "password", "private key"... */
  labels: Record<K, string>;
}

/**
 * The secrets a config dialog's Test connection (or picker) should use: what the user typed, and
 * for a secret left unchanged the one stored with the deployed node, but only when that node is of
 * the endpoint's own type and was deployed with the same destination (`scope`). Otherwise the
 * stored secret is not read at all, and a secret the editor sent as "unchanged" is refused with a
 * message saying to type it: a password must never reach a host it was not saved for.
 */
export function secretsFromDialog<K extends string>(
  RED: NodeAPI,
  request: StoredSecretsRequest<K>,
  typed: Partial<Record<K, unknown>> | undefined,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  const wanted: K[] = [];
  const source: Partial<Record<K, unknown>> = typed !== null && typeof typed === 'object' ? typed : {};
  for (const key of keys) {
    const value = source[key];
    if (value === UNCHANGED_SECRET || value === undefined) wanted.push(key);
    else out[key] = typeof value === 'string' ? value : String(value);
  }
  if (wanted.length === 0) return out;
  const deployed = request.id ? (RED.nodes.getNode(request.id) as (SecretScoped & { type?: string }) | null) : null;
  if (deployed && deployed.type === request.type && deployed.secretScope !== undefined && deployed.secretScope === request.scope) {
    const stored = (RED.nodes.getCredentials(request.id as string) ?? {}) as Partial<Record<K, unknown>>;
    for (const key of wanted) {
      const value = stored[key];
      if (typeof value === 'string') out[key] = value;
    }
    return out;
  }
  const placeheld = wanted.filter((key) => source[key] === UNCHANGED_SECRET);
  if (placeheld.length > 0) {
    const names = placeheld.map((key) => request.labels[key]);
    const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The stored ${list} ${names.length === 1 ? 'is' : 'are'} only used with the deployed settings (${request.settings}). These settings differ from the deployed ones, or the configuration is not deployed yet: type the ${list} again to test them, or deploy first.`,
    );
  }
  return out;
}
