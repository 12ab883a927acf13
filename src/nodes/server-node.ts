import type { Node } from 'node-red';
import type { FileBridgeError } from '../core/errors';
import type { ServerCredentials } from '../core/remote/server-config';
import type { SessionPool } from '../core/remote/session-pool';
import type { Protocol, RemoteSession } from '../core/remote/types';

/** A deployed `filebridge-server` config node as the nodes using it see it. */
export type ServerNode = Node<ServerCredentials> & {
  pool?: SessionPool<RemoteSession>;
  /** Why the configuration cannot be used (bad pin text, missing host...), for the nodes using it. */
  configError?: FileBridgeError;
  label?: string;
  /** Where the server is (no secrets): watched files carry it in their source facts. */
  endpoint?: { protocol: Protocol; host: string; port: number };
};
