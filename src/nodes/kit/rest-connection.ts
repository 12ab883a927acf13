import type { Node, NodeAPI } from 'node-red';
import { FileBridgeError } from '../../core/errors';
import type { RecordFormat } from '../../core/records';
import type { RestClient } from '../../core/rest';

/** A deployed `filebridge-rest-connection` config node as the nodes using it see it. */
export type RestConnectionNode = Node & {
  client?: RestClient;
  /** Why the configuration cannot be used (no base URL, missing secret...), for the nodes using it. */
  configError?: FileBridgeError;
  label?: string;
  baseUrl?: string;
  /** Query parameters whose values are secrets (an API key sent in the query). */
  secretQuery?: string[];
};

/** A deployed `filebridge-partner-format` config node. */
export type PartnerFormatNode = Node & {
  format?: RecordFormat;
  configError?: FileBridgeError;
};

const CONNECTION = 'filebridge-rest-connection';
const FORMAT = 'filebridge-partner-format';

/** The connection a rest node selected; a missing or unusable one shows in its status at deploy. */
export function restConnectionOf(RED: NodeAPI, node: Node, id: string | undefined): RestConnectionNode | null {
  const found = id ? (RED.nodes.getNode(id) as RestConnectionNode | null) : null;
  const connection = found && found.type === CONNECTION ? found : null;
  if (!connection) node.status({ fill: 'red', shape: 'ring', text: 'no connection configured' });
  else if (connection.configError) node.status({ fill: 'red', shape: 'ring', text: connection.configError.code });
  return connection;
}

/** The connection's client for one message, or the coded reason there is none. */
export function restClientOf(connection: RestConnectionNode | null): RestClient {
  if (!connection) throw new FileBridgeError('INVALID_INPUT', 'No REST connection is selected: open the rest request node and choose one.');
  if (connection.configError) throw connection.configError;
  if (!connection.client) throw new FileBridgeError('CONNECTION', 'The REST connection is stopping (redeploy in progress).');
  return connection.client;
}

/** The partner format a node selected ('' = none); a missing or broken one is INVALID_INPUT. */
export function partnerFormatOf(RED: NodeAPI, id: string | undefined): RecordFormat | undefined {
  if (!id) return undefined;
  const found = RED.nodes.getNode(id) as PartnerFormatNode | null;
  if (!found || found.type !== FORMAT)
    throw new FileBridgeError('INVALID_INPUT', 'The selected partner format is not deployed: deploy it, or clear the Record format field.');
  if (found.configError) throw found.configError;
  if (!found.format) throw new FileBridgeError('INVALID_INPUT', 'The selected partner format has no settings.');
  return found.format;
}
