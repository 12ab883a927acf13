import { ErrorCode, FileBridgeError, isNetworkErrno } from '../errors';

/** SFTP status codes (draft-ietf-secsh-filexfer); servers send some v4+ codes even on v3. */
export const SFTP_STATUS = {
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

const STATUS_CODES: Readonly<Record<number, { code: ErrorCode; reason: string }>> = {
  2: { code: 'NOT_FOUND', reason: 'no such file or folder' },
  3: { code: 'PERMISSION_DENIED', reason: 'permission denied' },
  4: { code: 'CONFLICT', reason: 'the server refused the operation' },
  5: { code: 'CONNECTION', reason: 'the server could not understand the request' },
  6: { code: 'CONNECTION', reason: 'no connection' },
  7: { code: 'CONNECTION', reason: 'connection lost' },
  8: { code: 'INVALID_INPUT', reason: 'the server does not support this operation' },
  10: { code: 'NOT_FOUND', reason: 'no such path' },
  11: { code: 'CONFLICT', reason: 'already exists' },
  12: { code: 'PERMISSION_DENIED', reason: 'the file system is read-only' },
  14: { code: 'CONFLICT', reason: 'no space left on the server' },
  15: { code: 'CONFLICT', reason: 'quota exceeded' },
  18: { code: 'CONFLICT', reason: 'the folder is not empty' },
  19: { code: 'CONFLICT', reason: 'not a folder' },
  24: { code: 'CONFLICT', reason: 'it is a folder' },
};

interface LibraryError extends Error {
  code?: unknown;
  level?: unknown;
}

/** The SFTP status code carried by an ssh2 error, if it is a status reply. */
export function sftpStatusOf(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as LibraryError).code;
  return typeof code === 'number' ? code : undefined;
}

export interface ErrorContext {
  /** `host:port`, shown so the user knows which configured server failed. */
  server: string;
  /** What we were doing, as a phrase: `read`, `rename`, `list the folder`. */
  action: string;
  path?: string;
  /** Login name, shown on authentication failures (never the password). */
  user?: string;
}

function where(ctx: ErrorContext): string {
  if (ctx.path !== undefined) return `"${ctx.path}" on ${ctx.server}`;
  // "connect to host:22", but "close a file on host:22".
  return / (to|of)$/.test(ctx.action) ? ctx.server : `on ${ctx.server}`;
}

/** "Could not read "a.txt" on host:22" */
export function describeFailure(ctx: ErrorContext): string {
  return `Could not ${ctx.action} ${where(ctx)}`;
}

/**
 * Turns whatever ssh2 reported into a FileBridgeError. The library's own error stays as `cause`
 * for debugging, but its wording (`No response from server`, numeric status codes) never reaches
 * the user alone.
 */
export function mapSftpError(err: unknown, ctx: ErrorContext): FileBridgeError {
  if (err instanceof FileBridgeError) return err;
  const details: Record<string, unknown> = { server: ctx.server };
  if (ctx.path !== undefined) details.path = ctx.path;
  const status = sftpStatusOf(err);
  const lib = err instanceof Error ? (err as LibraryError) : undefined;
  const text = lib?.message ?? String(err);

  if (status !== undefined && STATUS_CODES[status] !== undefined) {
    const { code, reason } = STATUS_CODES[status];
    // The server's own text often says more than the bare code (e.g. "Failure" vs a quota message).
    const serverText = text && !/^(failure|no such file|permission denied)$/i.test(text) ? ` (server says: ${text})` : '';
    return new FileBridgeError(code, `${describeFailure(ctx)}: ${reason}${serverText}.`, { ...details, sftpStatus: status }, { cause: err });
  }
  if (lib?.level === 'client-authentication') {
    return new FileBridgeError(
      'AUTHENTICATION',
      `${ctx.server} refused the login${ctx.user === undefined ? '' : ` of user "${ctx.user}"`}: wrong user name, password or key (or the account may not use this login method).`,
      details,
      { cause: err },
    );
  }
  if (lib?.level === 'client-timeout') {
    return new FileBridgeError('TIMEOUT', `${describeFailure(ctx)}: the server stopped answering (${text}).`, details, { cause: err });
  }
  if (isNetworkErrno(lib?.code)) {
    const errno = String(lib?.code);
    const reason =
      errno === 'ECONNREFUSED'
        ? 'the connection was refused (is the server running and the port right?)'
        : errno === 'ENOTFOUND' || errno === 'EAI_AGAIN'
          ? 'the host name could not be resolved'
          : `the network failed (${errno})`;
    return new FileBridgeError('CONNECTION', `${describeFailure(ctx)}: ${reason}.`, { ...details, errno }, { cause: err });
  }
  if (/no response from server|not connected|channel.*closed|connection.*(lost|closed)/i.test(text)) {
    return new FileBridgeError('CONNECTION', `${describeFailure(ctx)}: the connection closed before the server answered.`, details, { cause: err });
  }
  return new FileBridgeError('CONNECTION', `${describeFailure(ctx)}: ${text}.`, details, { cause: err });
}
