import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { FileBridgeError, errorMessage } from '../core/errors';
import { f360PutSettingsFromConfig, type F360PutConfigFields, type F360PutSettings } from '../core/file360/put-config';
import type { FileBridgeMessage } from '../core/message';
import { failMessage } from './kit/failure';

type F360PutNodeDef = NodeDef & F360PutConfigFields & { server: string };
type F360PutMessage = NodeMessageInFlow & FileBridgeMessage;

function register(RED: NodeAPI): void {
  function FileBridgeF360Put(this: Node, def: F360PutNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    // The dialog's fields are checked at deploy: a typo in the folder template shows before a file arrives.
    let settings: F360PutSettings | undefined;
    let configError: FileBridgeError | undefined;
    try {
      settings = f360PutSettingsFromConfig(def);
    } catch (err) {
      configError = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', errorMessage(err));
      node.status({ fill: 'red', shape: 'ring', text: 'INVALID_INPUT' });
      node.error(configError.message);
    }

    node.on('input', (msg: F360PutMessage, send, done) => {
      void (async () => {
        if (configError) throw configError;
        if (!settings) throw new FileBridgeError('INVALID_INPUT', 'file360 put has no settings.');
        // The File 360 client of the server configuration arrives with filebridge-server's File 360 support (branch i17-remote).
        throw new FileBridgeError('INVALID_INPUT', 'file360 put is not wired to a File 360 server configuration yet on this build.');
      })().catch((err: unknown) => failMessage(node, msg, err, done));
      void send;
    });
  }

  RED.nodes.registerType('filebridge-f360-put', FileBridgeF360Put);
}

export = register;
