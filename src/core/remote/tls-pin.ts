import { FileBridgeError } from '../errors';

/** Normalises a SHA-256 certificate fingerprint to Node's colon-separated upper-case hex form. */
export function normaliseCertFingerprint(text: string): string {
  const hex = text
    .trim()
    .replace(/^sha-?256[:=\s]*/i, '')
    .replace(/[:\s]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The pinned certificate fingerprint "${text.trim()}" is not a SHA-256 fingerprint: give 64 hex digits, with or without colons (for example as "openssl x509 -noout -fingerprint -sha256" prints it).`,
    );
  }
  return hex.match(/../g)!.join(':');
}

export interface CertificateFacts {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
  /** Whether the chain was verified against trusted CAs (false when only the pin was checked). */
  chainVerified: boolean;
}
