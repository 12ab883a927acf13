import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { FileBridgeError } from '../core/errors';
import { failMessage } from './kit/failure';

type RestRequestNodeDef = NodeDef & { connection: string };

function register(RED: NodeAPI): void {
  function FileBridgeRestRequest(this: Node, def: RestRequestNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    node.on('input', (msg: NodeMessageInFlow, _send, done) => {
      failMessage(node, msg, new FileBridgeError('INVALID_INPUT', 'rest request is not ready yet.'), done);
    });
  }
  RED.nodes.registerType('filebridge-rest-request', FileBridgeRestRequest);
}

export = register;
