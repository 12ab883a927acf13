import type { ServerOptions } from '../../src/core/remote/server-options';
import type { Protocol } from '../../src/core/remote/types';
import { devServerOptions } from '../../dev/support/server-options';
import { servers } from './dev-servers';

export const PROTOCOLS: readonly Protocol[] = ['sftp', 'ftp', 'ftps-explicit', 'ftps-implicit'];

/** Connection options that reach the run's real test server for `protocol`, verified the strict way. */
export function optionsFor(protocol: Protocol, overrides: Partial<ServerOptions> = {}): ServerOptions {
  return devServerOptions(servers(), protocol, overrides);
}

/** The server object behind a protocol, for stopping and starting it. */
export function serverFor(protocol: Protocol): { stop(): Promise<void>; start(): Promise<void> } {
  const s = servers();
  return protocol === 'sftp' ? s.sftp : protocol === 'ftps-implicit' ? s.ftpsImplicit : s.ftp;
}
