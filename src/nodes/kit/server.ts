import type { Node, NodeAPI } from 'node-red';
import { FileBridgeError } from '../../core/errors';
import type { ServerCredentials } from '../../core/remote/server-config';
import type { SessionPool } from '../../core/remote/session-pool';
import type { Protocol, RemoteSession } from '../../core/remote/types';
import type { File360Client } from '../../core/file360/client';
import type { SecretScoped } from './credentials';

/** A deployed `filebridge-server` config node as the nodes using it see it. */
export type ServerNode = Node<ServerCredentials> &
  SecretScoped & {
    pool?: SessionPool<RemoteSession>;
    /** Why the configuration cannot be used (bad pin text, missing host...), for the nodes using it. */
    configError?: FileBridgeError;
    /** A short status text for `configError` when its code alone would not say what to fix. */
    configStatus?: string;
    label?: string;
    /** Where the server is (no secrets): watched files carry it in their source facts. */
    endpoint?: { protocol: Protocol; host: string; port: number };
    /** The configured protocol (also when the configuration is unusable). */
    protocol?: string;
    /** Protocol file360: the one client (one token) the pool's sessions share, for nodes that call it directly. */
    file360?: File360Client;
  };

/** A server that can be used now. */
export interface UsableServer {
  pool: SessionPool<RemoteSession>;
  endpoint: { protocol: Protocol; host: string; port: number };
  label: string;
}

export function serverNodeOf(RED: NodeAPI, id: string | undefined): ServerNode | null {
  return id ? (RED.nodes.getNode(id) as ServerNode | null) : null;
}

/**
 * The server behind `id` for one message, or the coded reason it cannot be used: `missing` says
 * what to do when no such config node is deployed (each node knows best where the id came from).
 */
export function usableServer(RED: NodeAPI, id: string | undefined, missing: string, details: Record<string, unknown> = {}): UsableServer {
  const server = serverNodeOf(RED, id);
  if (!server) throw new FileBridgeError('INVALID_INPUT', missing, details);
  if (server.configError) throw server.configError;
  if (!server.pool || !server.endpoint) throw new FileBridgeError('CONNECTION', 'The server configuration is stopping (redeploy in progress).');
  return { pool: server.pool, endpoint: server.endpoint, label: server.label ?? '' };
}

/** A File 360 configuration that can be used now: its one client, where it is, and its label. */
export interface UsableFile360 {
  client: File360Client;
  endpoint: { protocol: Protocol; host: string; port: number };
  label: string;
}

/**
 * The File 360 configuration behind `id` for one message (`filebridge-f360-put`...): INVALID_INPUT
 * with `missing` when no such config node is deployed, INVALID_INPUT saying what to pick when it is
 * a server of another protocol, its configError when it is broken.
 */
export function usableFile360(RED: NodeAPI, id: string | undefined, missing: string, details: Record<string, unknown> = {}): UsableFile360 {
  const server = serverNodeOf(RED, id);
  if (!server || server.type !== 'filebridge-server') throw new FileBridgeError('INVALID_INPUT', missing, details);
  if (server.protocol !== 'file360') {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The server ${server.label ?? ''} is a ${String(server.protocol)} server, not a File 360 connection: pick a filebridge-server whose protocol is File 360, or set the File 360 protocol on this one.`,
      details,
    );
  }
  if (server.configError) throw server.configError;
  if (!server.file360 || !server.endpoint) throw new FileBridgeError('CONNECTION', 'The File 360 configuration is stopping (redeploy in progress).');
  return { client: server.file360, endpoint: server.endpoint, label: server.label ?? '' };
}

/** At deploy: a missing or unusable server shows in the node's status. True when it is usable. */
export function showServerAtDeploy(node: Node, server: ServerNode | null): boolean {
  if (!server) {
    node.status({ fill: 'red', shape: 'ring', text: 'no server configured' });
    return false;
  }
  if (server.configError) {
    node.status({ fill: 'red', shape: 'ring', text: server.configStatus ?? server.configError.code });
    return false;
  }
  return true;
}
