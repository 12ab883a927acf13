import type { NodeAPI, Node, NodeDef } from 'node-red';
import { FileBridgeError, errorMessage } from '../core/errors';
import { partnerFormatFromConfig, type PartnerFormatFields } from '../core/records';
import type { PartnerFormatNode } from './kit/rest-connection';

type PartnerFormatDef = NodeDef & Partial<PartnerFormatFields>;

function register(RED: NodeAPI): void {
  function FileBridgePartnerFormat(this: Node, def: PartnerFormatDef): void {
    RED.nodes.createNode(this, def);
    const node = this as PartnerFormatNode;
    // Checked at deploy: a bad column or date format shows in the log before a file arrives.
    try {
      node.format = partnerFormatFromConfig(def);
    } catch (err) {
      node.configError = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', errorMessage(err));
      node.error(`Partner format ${def.name || def.id} is unusable: ${node.configError.message}`);
    }
  }
  RED.nodes.registerType('filebridge-partner-format', FileBridgePartnerFormat);
}

export = register;
