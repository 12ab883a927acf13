/**
 * Machine-readable error codes. Every error a node reports through `done(err)` carries one, so a
 * Catch node (or a Switch on `msg.error.code`) can route retryable failures apart from bad input.
 */
export const ERROR_CODES = [
  'NOT_FOUND',
  'PERMISSION_DENIED',
  'AUTHENTICATION',
  'CONNECTION',
  'TIMEOUT',
  'HOST_KEY_MISMATCH',
  'TLS',
  'CONFLICT',
  'INVALID_INPUT',
  /** A content system refused the request for a business reason (bad value, rule, disabled feature); not retried. */
  'CS_REJECTED',
  /**
   * A REST API refused the request (a 4xx other than sign-in, permission, not found or conflict):
   * status, the answer's error text and field errors in details; not retried.
   */
  'API_REJECTED',
  /** Metadata for the target could not be built: a required value is missing or has the wrong type. */
  'MAPPING',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes for which trying again later may succeed without anyone changing anything. */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['CONNECTION', 'TIMEOUT']);

export class FileBridgeError extends Error {
  readonly code: ErrorCode;
  /** Extra facts for the user (never secrets): the presented fingerprint, the remote path, ... */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FileBridgeError';
    this.code = code;
    this.details = details;
  }

  get retryable(): boolean {
    return RETRYABLE_CODES.has(this.code);
  }
}

export function isFileBridgeError(err: unknown): err is FileBridgeError {
  return err instanceof FileBridgeError;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_SOCKET_CLOSED',
]);

/** True for Node.js socket-level failures (refused, reset, DNS) that mean "cannot talk to the server". */
export function isNetworkErrno(code: unknown): boolean {
  return typeof code === 'string' && NETWORK_ERRNOS.has(code);
}
