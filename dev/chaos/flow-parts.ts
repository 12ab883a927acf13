/** Nodes every chaos flow needs, written once: the server and Content Server logins, and a log file. */
import type { ContentServerSim } from '../sim/content-server';
import type { DevServers } from '../servers';
import type { FlowNodeJson } from './node-red';

/** The `filebridge-server` config node for the dev sshd or vsftpd, with its password in credentials (deployed through the admin API). */
export function serverConfigNode(id: string, servers: DevServers, protocol: 'sftp' | 'ftp'): FlowNodeJson {
  const server = protocol === 'sftp' ? servers.sftp : servers.ftp;
  return {
    id,
    type: 'filebridge-server',
    protocol,
    host: server.host,
    port: server.port,
    username: servers.username,
    hostKey: protocol === 'sftp' ? servers.sftp.hostKeyFingerprints.ed25519 : '',
    credentials: { password: servers.password },
  };
}

/** The `filebridge-cs-connection` config node for the simulator's Admin. */
export function csConnectionNode(id: string, sim: ContentServerSim): FlowNodeJson {
  return { id, type: 'filebridge-cs-connection', baseUrl: sim.apiBase, authMode: 'password', username: 'Admin', credentials: { password: 'livelink' } };
}

/** A core file node appending each message's payload as one line to `filename`. */
function appendLineNode(id: string, z: string, filename: string): FlowNodeJson {
  return { id, type: 'file', z, filename, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', wires: [[]] };
}

/**
 * A log of one line per message: a change node setting the payload to `to` (a message property, or
 * JSONata with `tot: 'jsonata'`), wired to a file node appending it to `filename`. Wire into `id`.
 */
export function lineLogNodes(id: string, z: string, to: string, filename: string, tot: 'msg' | 'jsonata' = 'msg'): FlowNodeJson[] {
  return [
    { id, type: 'change', z, rules: [{ t: 'set', p: 'payload', pt: 'msg', to, tot }], wires: [[`${id}-file`]] },
    appendLineNode(`${id}-file`, z, filename),
  ];
}
