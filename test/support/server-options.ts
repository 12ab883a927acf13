import type { ServerOptions } from '../../src/core/remote/server-options';
import type { Protocol } from '../../src/core/remote/types';
import { servers } from './dev-servers';

export const PROTOCOLS: readonly Protocol[] = ['sftp', 'ftp', 'ftps-explicit', 'ftps-implicit'];

/** Connection options that reach the run's real test server for `protocol`, verified the strict way. */
export function optionsFor(protocol: Protocol, overrides: Partial<ServerOptions> = {}): ServerOptions {
  const s = servers();
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

/** The server object behind a protocol, for stopping and starting it. */
export function serverFor(protocol: Protocol): { stop(): Promise<void>; start(): Promise<void> } {
  const s = servers();
  return protocol === 'sftp' ? s.sftp : protocol === 'ftps-implicit' ? s.ftpsImplicit : s.ftp;
}
