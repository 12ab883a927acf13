import type { Node, NodeAPI } from 'node-red';
import { FileBridgeError } from '../../core/errors';
import type { ServerCredentials } from '../../core/remote/server-config';
import type { SessionPool } from '../../core/remote/session-pool';
import type { Protocol, RemoteSession } from '../../core/remote/types';
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
