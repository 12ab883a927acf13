import { createHash } from 'node:crypto';
import { FileBridgeError } from '../errors';

/**
 * SSH host key pinning. A pin is what a person can copy from a trusted place: the `SHA256:...`
 * fingerprint that `ssh` and `ssh-keygen -lf` print, or a known_hosts / public key line.
 */

export interface HostKeyPin {
  /** `SHA256:<unpadded base64>`, the form OpenSSH prints, so messages show what users compare. */
  fingerprint: string;
  /** Key type from a known_hosts or public key line; unknown for a bare fingerprint. */
  keyType?: string;
  /** The line the pin came from, for messages. */
  source: string;
}

export interface HostKeyPinSet {
  accepted: HostKeyPin[];
  /** `@revoked` known_hosts lines: these keys are refused even with trust on first use. */
  revoked: HostKeyPin[];
}

export interface HostKeyVerdict {
  fingerprint: string;
  keyType: string;
  /** True when the key was accepted only because of trust on first use (the caller records it). */
  learned: boolean;
}

const SHA256_PREFIX = 'SHA256:';
const SHA256_B64_LENGTH = 43;

export function fingerprintOf(keyBlob: Buffer): string {
  return SHA256_PREFIX + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The algorithm name inside an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, ...). */
export function keyTypeOf(keyBlob: Buffer): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > keyBlob.length) return undefined;
  const type = keyBlob.toString('latin1', 4, 4 + length);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** Readable name as OpenSSH shows it next to fingerprints: `ED25519`, `RSA`, `ECDSA`. */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (keyType.startsWith('sk-ssh-ed25519')) return 'ED25519-SK';
  if (keyType.startsWith('sk-ecdsa')) return 'ECDSA-SK';
  return keyType;
}

function invalid(line: string, reason: string): FileBridgeError {
  const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line;
  return new FileBridgeError(
    'INVALID_INPUT',
    `The host key entry "${shown}" is not usable: ${reason} Paste either the SHA256 fingerprint as ssh prints it (SHA256:...) or a known_hosts line (host key-type base64-key).`,
    { line: shown },
  );
}

/**
 * Normalises fingerprint text. `SHA256:` is matched in any case because people retype it, but the
 * base64 body is case-sensitive and must decode to exactly 32 bytes.
 */
function parseFingerprint(text: string, line: string): string {
  const body = text.slice(SHA256_PREFIX.length).replace(/=$/, '');
  if (body.length !== SHA256_B64_LENGTH || !/^[A-Za-z0-9+/]+$/.test(body)) {
    throw invalid(line, `a SHA256 fingerprint has ${SHA256_B64_LENGTH} base64 characters after "SHA256:", this one has ${body.length}.`);
  }
  const digest = Buffer.from(body, 'base64');
  // Re-encoding catches a last character whose unused low bits are set: a mistyped fingerprint.
  if (digest.length !== 32 || digest.toString('base64').replace(/=+$/, '') !== body) {
    throw invalid(line, 'the text after "SHA256:" is not a valid SHA-256 fingerprint.');
  }
  return SHA256_PREFIX + body;
}

/** Finds a fingerprint in the lines OpenSSH tools print, so users can paste them whole. */
function fingerprintToken(line: string): string | undefined {
  // `SHA256:...` alone, `256 SHA256:... comment (ED25519)` from ssh-keygen -l,
  // or `ED25519 key fingerprint is SHA256:....` from ssh.
  const alone = /^sha256:\S*$/i.exec(line);
  if (alone) return alone[0];
  const keygen = /^\d+\s+(sha256:\S+)(?:\s.*)?$/i.exec(line);
  if (keygen?.[1] !== undefined) return keygen[1];
  const sshPrompt = /key fingerprint is (sha256:\S+?)\.?$/i.exec(line);
  if (sshPrompt?.[1] !== undefined) return sshPrompt[1];
  return undefined;
}

const KEY_TYPE = /^(?:ssh-|ecdsa-|sk-)[A-Za-z0-9@._+-]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HASHED_HOST = /^\|1\|[A-Za-z0-9+/]+={0,2}\|[A-Za-z0-9+/]+={0,2}$/;

function parseKeyFields(typeToken: string, blobToken: string, line: string): HostKeyPin {
  if (!BASE64.test(blobToken)) throw invalid(line, 'the key part is not base64 text.');
  const blob = Buffer.from(blobToken, 'base64');
  const embedded = keyTypeOf(blob);
  if (embedded === undefined) throw invalid(line, 'the key part does not decode to an SSH public key.');
  if (embedded !== typeToken) {
    throw invalid(line, `the line says "${typeToken}" but the key inside is "${embedded}"; it was probably cut or mixed up while copying.`);
  }
  return { fingerprint: fingerprintOf(blob), keyType: embedded, source: line };
}

type ParsedLine = { kind: 'pin'; pin: HostKeyPin } | { kind: 'revoked'; pin: HostKeyPin };

function parseLine(line: string): ParsedLine {
  if (/^md5:/i.test(line) || /^\d+\s+md5:/i.test(line)) {
    throw invalid(
      line,
      'MD5 fingerprints are too weak to pin. Run `ssh-keygen -lf <key file>` (or `ssh-keyscan` | `ssh-keygen -lf -`) to get the SHA256 form.',
    );
  }
  const fp = fingerprintToken(line);
  if (fp !== undefined) return { kind: 'pin', pin: { fingerprint: parseFingerprint(fp, line), source: line } };

  let fields = line.split(/\s+/);
  let marker: string | undefined;
  if (fields[0]?.startsWith('@')) {
    marker = fields[0];
    fields = fields.slice(1);
    if (marker === '@cert-authority') {
      throw invalid(
        line,
        "it is a @cert-authority line, which trusts every host certificate signed by that authority; host certificates are not supported here, so it cannot serve as a pin. Paste the server's own host key or fingerprint instead.",
      );
    }
    if (marker !== '@revoked') throw invalid(line, `"${marker}" is not a known_hosts marker (only @revoked and @cert-authority exist).`);
  }

  const first = fields[0];
  if (first === undefined || first === '') throw invalid(line, 'the line is empty after its marker.');
  // A public key line (`ssh-ed25519 AAAA... comment`, as in a .pub file) has no host column.
  const hasHost = !KEY_TYPE.test(first);
  const [hosts, typeToken, blobToken] = hasHost ? fields : [undefined, ...fields];
  if (hosts !== undefined && hosts.startsWith('|') && !HASHED_HOST.test(hosts)) {
    throw invalid(line, 'the hashed host name is not in the |1|salt|hash form.');
  }
  if (typeToken === undefined || blobToken === undefined) throw invalid(line, 'a key type and a base64 key are missing.');
  if (!KEY_TYPE.test(typeToken)) throw invalid(line, `"${typeToken}" is not an SSH key type.`);
  const pin = parseKeyFields(typeToken, blobToken, line);
  return marker === '@revoked' ? { kind: 'revoked', pin } : { kind: 'pin', pin };
}

/**
 * Parses pin texts; each may hold several lines (a pasted known_hosts excerpt). Blank lines and
 * `#` comments are skipped. The host column of known_hosts lines is not compared with the server
 * address: the pins belong to this one server configuration, and servers are reached under
 * aliases, IPs and ports that rarely match the name the line was recorded under (hashed names
 * cannot even be read back).
 */
export function parseHostKeyPins(pins: readonly string[]): HostKeyPinSet {
  const set: HostKeyPinSet = { accepted: [], revoked: [] };
  for (const text of pins) {
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const parsed = parseLine(line);
      (parsed.kind === 'pin' ? set.accepted : set.revoked).push(parsed.pin);
    }
  }
  return set;
}

/**
 * Host key algorithms to offer so the server presents a pinned key. Servers usually hold several
 * keys (ED25519, ECDSA, RSA) and would otherwise show whichever the client prefers, which need not
 * be the one the user pinned. Undefined when a bare fingerprint leaves the type unknown.
 */
export function hostKeyAlgorithmsFor(set: HostKeyPinSet): string[] | undefined {
  if (set.accepted.length === 0) return undefined;
  const algorithms: string[] = [];
  for (const pin of set.accepted) {
    if (pin.keyType === undefined) return undefined;
    const names = pin.keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [pin.keyType];
    for (const name of names) if (!algorithms.includes(name)) algorithms.push(name);
  }
  return algorithms;
}

function isPinSet(pins: readonly string[] | HostKeyPinSet): pins is HostKeyPinSet {
  return !Array.isArray(pins);
}

function sameFingerprint(a: string, b: string): boolean {
  return a.slice(SHA256_PREFIX.length) === b.slice(SHA256_PREFIX.length);
}

/**
 * Decides whether to trust the key a server presented. Throws HOST_KEY_MISMATCH (with the presented
 * fingerprint in `details.fingerprint`) when it must not be trusted.
 */
export function verifyHostKey(keyBlob: Buffer, pins: readonly string[] | HostKeyPinSet, trustOnFirstUse: boolean, server = 'The SFTP server'): HostKeyVerdict {
  const set = isPinSet(pins) ? pins : parseHostKeyPins(pins);
  const fingerprint = fingerprintOf(keyBlob);
  const keyType = keyTypeOf(keyBlob) ?? 'unknown';
  const label = keyTypeLabel(keyType);
  const details = { fingerprint, keyType };

  if (set.revoked.some((pin) => sameFingerprint(pin.fingerprint, fingerprint))) {
    throw new FileBridgeError(
      'HOST_KEY_MISMATCH',
      `${server} presented the ${label} host key ${fingerprint}, which the Host key field marks as @revoked. Refusing to connect.`,
      { ...details, revoked: true },
    );
  }
  if (set.accepted.some((pin) => sameFingerprint(pin.fingerprint, fingerprint))) {
    return { fingerprint, keyType, learned: false };
  }
  if (set.accepted.length === 0) {
    if (trustOnFirstUse) return { fingerprint, keyType, learned: true };
    throw new FileBridgeError(
      'HOST_KEY_MISMATCH',
      `${server} presented the ${label} host key ${fingerprint}, and no host key is configured to check it against. If this is the server you expect (ask its administrator, or compare with \`ssh-keygen -lf\` on the server), paste ${fingerprint} into the Host key field, or tick "Trust on first use".`,
      { ...details, expected: [] },
    );
  }
  const expected = [...new Set(set.accepted.map((pin) => pin.fingerprint))];
  throw new FileBridgeError(
    'HOST_KEY_MISMATCH',
    `${server} presented the ${label} host key ${fingerprint}, which matches none of the configured host keys (${expected.join(', ')}). The server may have been re-installed or given a new key, or someone may be intercepting the connection: confirm the new key with the server's administrator before replacing the pin.`,
    { ...details, expected },
  );
}
