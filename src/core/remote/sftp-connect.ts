import { Client, utils, type Algorithms, type AuthenticationType, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { FileBridgeError } from '../errors';
import { hostKeyAlgorithmsFor, parseHostKeyPins, verifyHostKey, type HostKeyVerdict } from './host-key';
import type { ServerOptions } from './server-options';
import { mapSftpError } from './sftp-errors';
import type { SessionFailure } from './sftp-io';

/**
 * Cipher order measured on loopback with ssh2 1.17 (GiB download, OpenSSH 9.2 server): without
 * ssh2's optional native binding, Node's own AES-GCM ran ~470 MB/s, AES-CTR + HMAC ~170 MB/s and
 * the JavaScript ChaCha20-Poly1305 ~190 MB/s. With the binding GCM still leads. ssh2 itself may
 * put ChaCha first when it thinks the CPU lacks AES, which is the slow path here, so we fix the
 * order. The older ones stay for servers that offer nothing better.
 */
const CIPHERS: NonNullable<Algorithms['cipher']> = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
  'chacha20-poly1305@openssh.com',
];
/** ETM MACs first: with CTR ciphers they are both safer and cheaper to check. */
const MACS: NonNullable<Algorithms['hmac']> = [
  'hmac-sha2-256-etm@openssh.com',
  'hmac-sha2-512-etm@openssh.com',
  'hmac-sha2-256',
  'hmac-sha2-512',
  'hmac-sha1-etm@openssh.com',
  'hmac-sha1',
];
/** Host key algorithms ssh2 can verify; pinned types outside this list cannot be honoured. */
const SUPPORTED_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
  'ssh-dss',
] as const;
type HostKeyAlgorithm = (typeof SUPPORTED_HOST_KEY_ALGORITHMS)[number];

export interface SftpConnection {
  client: Client;
  sftp: SFTPWrapper;
  hostKey: HostKeyVerdict;
}

export function serverLabel(options: Pick<ServerOptions, 'host' | 'port'>): string {
  return `${options.host}:${options.port}`;
}

/**
 * Key text pasted into a browser field can arrive with its line breaks turned into spaces; PEM
 * parsers then give up with an unhelpful message, so the lines are rebuilt first.
 */
export function normalizePrivateKey(text: string): string {
  const trimmed = text.trim();
  const match = /^(-----BEGIN [A-Z0-9 ]+-----)([\s\S]*?)(-----END [A-Z0-9 ]+-----)$/.exec(trimmed);
  if (!match || /\n/.test(match[2] ?? '')) return trimmed.replace(/\r\n/g, '\n');
  const body = (match[2] ?? '').trim().split(/\s+/);
  // Legacy encrypted PEM keys carry "Proc-Type:" / "DEK-Info:" headers that must stay on their lines.
  const headers: string[] = [];
  while (body.length > 1 && /:$/.test(body[0] ?? '')) headers.push(`${body.shift()} ${body.shift()}`);
  const lines = [match[1], ...headers, ...(headers.length > 0 ? [''] : []), ...body, match[3]];
  return `${lines.join('\n')}\n`;
}

/** Checks the key and passphrase before connecting, so a typo is INVALID_INPUT, not a failed login. */
export function checkPrivateKey(privateKey: string, passphrase: string | undefined): string {
  const key = normalizePrivateKey(privateKey);
  const parsed = utils.parseKey(key, passphrase === '' ? undefined : passphrase);
  if (parsed instanceof Error) {
    const text = parsed.message;
    if (/no passphrase given/i.test(text)) {
      throw new FileBridgeError('INVALID_INPUT', 'The private key is protected by a passphrase: enter it in the Passphrase field.', {}, { cause: parsed });
    }
    if (passphrase && /passphrase|decrypt|integrity|malformed/i.test(text)) {
      throw new FileBridgeError(
        'INVALID_INPUT',
        'The passphrase does not unlock the private key: check the Passphrase field (and that the key is the one meant for it).',
        {},
        { cause: parsed },
      );
    }
    throw new FileBridgeError(
      'INVALID_INPUT',
      'The private key could not be read. Paste the whole private key file (OpenSSH "BEGIN OPENSSH PRIVATE KEY" or PEM "BEGIN RSA/EC PRIVATE KEY"), including its BEGIN and END lines.',
      {},
      { cause: parsed },
    );
  }
  const first = Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed;
  if (first === undefined || !(first as { isPrivateKey(): boolean }).isPrivateKey()) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      "The key given is a public key. Paste the private key (the file without .pub); the public key belongs in the server's authorized_keys.",
    );
  }
  return key;
}

function hostKeyAlgorithms(pinned: string[] | undefined): HostKeyAlgorithm[] | undefined {
  if (pinned === undefined) return undefined;
  const usable = SUPPORTED_HOST_KEY_ALGORITHMS.filter((name) => pinned.includes(name));
  return usable.length > 0 ? usable : undefined;
}

function authMethods(options: ServerOptions): AuthenticationType[] {
  const methods: AuthenticationType[] = [];
  // Key first: a wrong password attempt is logged (and may be counted by fail2ban) even when a
  // key would have worked.
  if (options.privateKey) methods.push('publickey');
  if (options.password !== undefined && options.password !== '') methods.push('password', 'keyboard-interactive');
  return methods;
}

export interface ConnectHooks {
  /** The connection ended after login, cleanly or not. */
  onDisconnect: (failure: SessionFailure) => void;
}

/**
 * Opens the SSH connection and the SFTP channel. Rejects with a FileBridgeError: invalid key or pin
 * text (INVALID_INPUT) before any network traffic, HOST_KEY_MISMATCH with the presented key in
 * `details.fingerprint`, AUTHENTICATION, CONNECTION or TIMEOUT.
 */
export function connectSftp(options: ServerOptions, hooks: ConnectHooks): Promise<SftpConnection> {
  const server = serverLabel(options);
  const pins = parseHostKeyPins(options.hostKeyPins ?? []);
  const privateKey = options.privateKey ? checkPrivateKey(options.privateKey, options.passphrase) : undefined;
  const password = options.password;

  return new Promise<SftpConnection>((resolve, reject) => {
    const client = new Client();
    let hostKey: HostKeyVerdict | undefined;
    let hostKeyError: FileBridgeError | undefined;
    let settled = false;
    let sftpTimer: NodeJS.Timeout | undefined;

    const fail = (err: unknown, action = 'connect to'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(sftpTimer);
      client.destroy();
      reject(hostKeyError ?? (err instanceof FileBridgeError ? err : mapSftpError(err, { server, action, user: options.username })));
    };

    client.on('error', (err) => {
      if (!settled) {
        fail(err);
        return;
      }
      const timedOut = err.level === 'client-timeout';
      hooks.onDisconnect({
        code: timedOut ? 'TIMEOUT' : 'CONNECTION',
        reason: timedOut ? 'the server stopped answering keepalives.' : `the connection failed (${err.message}).`,
        cause: err,
      });
    });
    client.on('close', () => {
      if (!settled)
        fail(
          new FileBridgeError('CONNECTION', `${server} closed the connection during login. Check that it is an SSH server and that the account may use SFTP.`, {
            server,
          }),
        );
      else hooks.onDisconnect({ code: 'CONNECTION', reason: 'the connection to the server was closed.' });
    });
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
      // Servers that only offer keyboard-interactive (PAM) ask for the password this way.
      finish(prompts.map(() => password ?? ''));
    });
    client.on('ready', () => {
      // SFTP is request/answer: with Nagle on (ssh2 leaves it on; Node 22 then waits out the peer's
      // delayed ACK) every round trip took ~40 ms instead of <1 ms on loopback.
      client.setNoDelay(true);
      sftpTimer = setTimeout(
        () => fail(new FileBridgeError('TIMEOUT', `${server} accepted the login but did not start SFTP within ${options.connectTimeoutMs} ms.`, { server })),
        options.connectTimeoutMs,
      );
      client.sftp((err, sftp) => {
        if (err) {
          fail(
            new FileBridgeError(
              'CONNECTION',
              `${server} accepted the login but refused to start SFTP (${err.message}). Check that the SFTP subsystem is enabled for this account.`,
              { server },
              { cause: err },
            ),
          );
          return;
        }
        if (settled || hostKey === undefined) return;
        settled = true;
        clearTimeout(sftpTimer);
        resolve({ client, sftp, hostKey });
      });
    });

    const algorithms: Algorithms = { cipher: CIPHERS, hmac: MACS };
    const pinnedAlgorithms = hostKeyAlgorithms(hostKeyAlgorithmsFor(pins));
    if (pinnedAlgorithms) algorithms.serverHostKey = pinnedAlgorithms;

    const config: ConnectConfig = {
      host: options.host,
      port: options.port,
      username: options.username,
      password,
      privateKey,
      passphrase: options.passphrase === '' ? undefined : options.passphrase,
      tryKeyboard: password !== undefined && password !== '',
      authHandler: authMethods(options),
      readyTimeout: options.connectTimeoutMs,
      keepaliveInterval: options.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      algorithms,
      hostVerifier: (key: Buffer): boolean => {
        try {
          hostKey = verifyHostKey(key, pins, options.trustOnFirstUse === true, server);
          return true;
        } catch (err) {
          hostKeyError = err instanceof FileBridgeError ? err : mapSftpError(err, { server, action: 'check the host key of' });
          return false;
        }
      },
    };
    try {
      client.connect(config);
    } catch (err) {
      fail(err);
    }
  });
}
