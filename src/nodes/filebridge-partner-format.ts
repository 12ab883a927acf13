import type { NodeAPI, Node, NodeDef } from 'node-red';

function register(RED: NodeAPI): void {
  function FileBridgePartnerFormat(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
  }
  RED.nodes.registerType('filebridge-partner-format', FileBridgePartnerFormat);
}

export = register;
