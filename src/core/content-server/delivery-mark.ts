/**
 * How cs-upload recognises a file it has already filed, so that a watched file delivered again
 * (its runtime crashed between the upload and the ack, and lease recovery sent it once more with
 * attempt + 1 and a new correlation id) never becomes a second version or a second document.
 *
 * A delivery is identified by the source file itself: the server (host and port), its path, size
 * and modification time, the same facts the watch's ledger keys on; a recovered claim keeps them
 * (a rename keeps size and time). Content Server keeps no checksum of a version, but it does keep a
 * free-text description per version and per document (`description` on POST /v2/nodes and on
 * POST /v2/nodes/{id}/versions, returned by GET /v2/nodes/{id}/versions: OpenText's OpenAPI
 * addVersion2 / versions_VersionInfo, pyxecm get_document_versions). cs-upload writes the mark
 * `filebridge delivery <fingerprint>` there (after the user's own description, if any), with
 * ` sha256 <hex>` when the bytes' digest is known before the upload. A later delivery whose
 * fingerprint is found on the document (which it created) or on one of its versions was filed
 * already; when both sides know the SHA-256 and they differ, the bytes differ and it was not.
 */
import { createHash } from 'node:crypto';

export interface Delivery {
  /** 32 hex digits: SHA-256 of the source's host, port, path, size and modification time. */
  key: string;
  /** Hex SHA-256 of the bytes, when it is known before the upload. */
  sha256?: string;
}

/**
 * Content Server keeps at most 255 characters of a version's description (pyxecm's
 * add_document_version cuts it there for that reason); the mark must survive the cut.
 */
export const VERSION_DESCRIPTION_MAX = 255;

const MARK = /filebridge delivery ([0-9a-f]{32})(?: sha256 ([0-9a-f]{64}))?/g;
const SHA256 = /^[0-9a-f]{64}$/i;

/**
 * The delivery a watched file's `msg.filebridge.source` stands for; undefined for a payload that
 * did not come from a watch (no source facts: nothing to recognise it by). `sha256` overrides the
 * source's digest (the digest of a Buffer payload, taken from the bytes themselves).
 */
export function deliveryOf(source: unknown, sha256?: string): Delivery | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const s = source as Record<string, unknown>;
  const { host, port, path, size, mtime } = s;
  if (typeof host !== 'string' || host === '' || typeof path !== 'string' || path === '') return undefined;
  if (typeof port !== 'number' || !Number.isSafeInteger(port)) return undefined;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
  const time = typeof mtime === 'string' ? Date.parse(mtime) : NaN;
  if (Number.isNaN(time)) return undefined;
  const key = createHash('sha256')
    .update(`${host}:${port}\n${path}\n${size}\n${new Date(time).toISOString()}`)
    .digest('hex')
    .slice(0, 32);
  const digest = sha256 ?? (typeof s.sha256 === 'string' ? s.sha256 : undefined);
  return digest !== undefined && SHA256.test(digest) ? { key, sha256: digest.toLowerCase() } : { key };
}

/** `filebridge delivery <key>[ sha256 <hex>]`. */
export function markText(delivery: Delivery): string {
  return `filebridge delivery ${delivery.key}${delivery.sha256 ? ` sha256 ${delivery.sha256}` : ''}`;
}

/**
 * The description to write: the user's (cut to leave room for the mark within `max`), and the mark
 * on a line of its own; without a delivery, the user's description unchanged.
 */
export function describe(description: string | undefined, delivery: Delivery | undefined, max?: number): string | undefined {
  if (!delivery) return description;
  const mark = markText(delivery);
  if (description === undefined || description.trim() === '') return mark;
  const room = max === undefined ? description.length : Math.max(0, max - mark.length - 1);
  return `${description.slice(0, room).trimEnd()}\n${mark}`;
}

/** True when a description carries this delivery's mark (and no different SHA-256 of the bytes). */
export function carriesDelivery(description: unknown, delivery: Delivery): boolean {
  if (typeof description !== 'string') return false;
  for (const m of description.matchAll(MARK)) {
    if (m[1] !== delivery.key) continue;
    if (m[2] !== undefined && delivery.sha256 !== undefined && m[2] !== delivery.sha256) continue;
    return true;
  }
  return false;
}
