import type { NodeAPI, Node, NodeDef } from 'node-red';
import { FileBridgeError, errorMessage } from '../core/errors';
import { openRestClient, restOptionsFromConfig, restSecretScope, secretQueryParams, type RestConnectionFields, type RestCredentials } from '../core/rest';
import type { SecretScoped } from './kit/credentials';
import type { RestConnectionNode } from './kit/rest-connection';
import { registerRestAdmin } from './kit/rest-admin';

type RestConnectionDef = NodeDef & RestConnectionFields;

function register(RED: NodeAPI): void {
  function FileBridgeRestConnection(this: Node<RestCredentials>, def: RestConnectionDef): void {
    RED.nodes.createNode(this, def);
    const node = this as RestConnectionNode & Node<RestCredentials> & SecretScoped;
    node.label = def.name || (typeof def.baseUrl === 'string' ? def.baseUrl : '') || '?';
    // Test connection may reuse this node's stored secrets only for these same settings.
    node.secretScope = restSecretScope(def);
    try {
      // One client per connection: every node using it shares its OAuth2 token, retries and rate limit.
      const options = restOptionsFromConfig(def, node.credentials ?? {});
      node.client = openRestClient(options);
      node.baseUrl = options.baseUrl;
      node.secretQuery = secretQueryParams(options.auth);
    } catch (err) {
      node.configError = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', errorMessage(err));
      node.error(`REST connection ${node.label} is unusable: ${node.configError.message}`);
    }
    node.on('close', (_removed: boolean, done: () => void) => {
      const client = node.client;
      node.client = undefined;
      client?.close();
      done();
    });
  }

  RED.nodes.registerType<Node<RestCredentials>, RestConnectionDef, object, RestCredentials>('filebridge-rest-connection', FileBridgeRestConnection, {
    credentials: {
      password: { type: 'password' },
      token: { type: 'password' },
      apiKey: { type: 'password' },
      clientSecret: { type: 'password' },
      proxyPassword: { type: 'password' },
    },
  });

  registerRestAdmin(RED);
}

export = register;
