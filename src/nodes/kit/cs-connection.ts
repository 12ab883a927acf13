import type { Node, NodeAPI } from 'node-red';
import type { ContentServerClient } from '../../core/content-server';
import { FileBridgeError } from '../../core/errors';

/** A deployed `filebridge-cs-connection` config node as the nodes using it see it. */
export type CsConnectionNode = Node & {
  client?: ContentServerClient;
  /** Why the configuration cannot be used (no URL, missing password...), for the nodes using it. */
  configError?: FileBridgeError;
  label?: string;
};

/** The connection a Content Server node selected; a missing or unusable one shows in its status at deploy. */
export function csConnectionOf(RED: NodeAPI, node: Node, id: string): CsConnectionNode | null {
  const connection = RED.nodes.getNode(id) as CsConnectionNode | null;
  if (!connection) node.status({ fill: 'red', shape: 'ring', text: 'no connection configured' });
  else if (connection.configError) node.status({ fill: 'red', shape: 'ring', text: connection.configError.code });
  return connection;
}

/** The connection's client for one message, or the coded reason there is none. */
export function csClientOf(connection: CsConnectionNode | null): ContentServerClient {
  if (!connection) throw new FileBridgeError('INVALID_INPUT', 'No Content Server connection is selected: open the node and choose one.');
  if (connection.configError) throw connection.configError;
  if (!connection.client) throw new FileBridgeError('CONNECTION', 'The Content Server connection is stopping (redeploy in progress).');
  return connection.client;
}
