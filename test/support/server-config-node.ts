import type { Protocol } from '../../src/core/remote/types';
import { servers } from './dev-servers';

/**
 * A flow's `filebridge-server` configuration node (id `srv`), pointed at the run's test server for
 * `protocol` and verified the strict way: the pinned ed25519 host key for SFTP, the test CA for
 * FTPS. `fields` add or replace settings (id, poolSize, hostKey...); the password goes into the
 * flow's credentials.
 */
export function serverConfigNode(protocol: Protocol, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const s = servers();
  const srv = protocol === 'sftp' ? s.sftp : protocol === 'ftps-implicit' ? s.ftpsImplicit : s.ftp;
  return {
    id: 'srv',
    type: 'filebridge-server',
    protocol,
    host: srv.host,
    port: srv.port,
    username: s.username,
    hostKey: protocol === 'sftp' ? s.sftp.hostKeyFingerprints.ed25519 : '',
    tlsCa: protocol.startsWith('ftps') ? s.certs.ca.cert.pem : '',
    connectTimeout: 10,
    idleTimeout: 20,
    keepalive: 5,
    poolSize: 2,
    connectRetries: 1,
    ...fields,
  };
}
