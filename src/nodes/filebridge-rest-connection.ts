import type { NodeAPI, Node, NodeDef } from 'node-red';

type RestConnectionCredentials = { password?: string; token?: string; apiKey?: string; clientSecret?: string; proxyPassword?: string };

function register(RED: NodeAPI): void {
  function FileBridgeRestConnection(this: Node<RestConnectionCredentials>, def: NodeDef): void {
    RED.nodes.createNode(this, def);
  }
  RED.nodes.registerType<Node<RestConnectionCredentials>, NodeDef, object, RestConnectionCredentials>('filebridge-rest-connection', FileBridgeRestConnection, {
    credentials: {
      password: { type: 'password' },
      token: { type: 'password' },
      apiKey: { type: 'password' },
      clientSecret: { type: 'password' },
      proxyPassword: { type: 'password' },
    },
  });
}

export = register;
