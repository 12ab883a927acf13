import type { ServerOptions } from '../../src/core/remote/server-options';
import type { Protocol } from '../../src/core/remote/types';
import type { DevServers } from '../servers';

/**
 * Connection options that reach the dev servers' `protocol` (sshd, vsftpd plain, explicit or implicit
 * TLS) as their throwaway user, verified the strict way (host key pinned, the run's own CA). Shared by
 * the tests and the benchmark.
 */
export function devServerOptions(s: DevServers, protocol: Protocol, overrides: Partial<ServerOptions> = {}): ServerOptions {
  const common = { connectTimeoutMs: 10_000, idleTimeoutMs: 20_000, keepaliveIntervalMs: 5_000 };
  if (protocol === 'sftp') {
    return {
      protocol,
      host: s.sftp.host,
      port: s.sftp.port,
      username: s.username,
      password: s.password,
      hostKeyPins: [s.sftp.hostKeyFingerprints.ed25519, s.sftp.hostKeyFingerprints.rsa],
      ...common,
      ...overrides,
    };
  }
  const server = protocol === 'ftps-implicit' ? s.ftpsImplicit : s.ftp;
  return {
    protocol,
    host: server.host,
    port: server.port,
    username: s.username,
    password: s.password,
    ...(protocol === 'ftp' ? {} : { tlsCa: s.certs.ca.cert.pem }),
    ...common,
    ...overrides,
  };
}

/**
 * How the benchmark connects: SFTP with the user's key instead of the password, as the OpenSSH client
 * it is compared with does, and the longer timeouts of a long transfer.
 */
export function benchConnection(s: DevServers, protocol: Protocol): Partial<ServerOptions> {
  const timeouts = { connectTimeoutMs: 15_000, idleTimeoutMs: 60_000, keepaliveIntervalMs: 15_000 };
  return protocol === 'sftp' ? { privateKey: s.sftp.privateKey, password: undefined, ...timeouts } : timeouts;
}
