import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { FileBridgeError, errorMessage } from '../core/errors';
import { performF360Put, prepareF360Put } from '../core/file360/put';
import { f360PutSettingsFromConfig, type F360PutConfigFields, type F360PutSettings } from '../core/file360/put-config';
import { receivedFacts, withFacts, type FileBridgeMessage } from '../core/message';
import { progressText } from '../core/progress';
import { reopenerFor } from './kit/claimed-file';
import { failMessage } from './kit/failure';
import { serverNodeOf, showServerAtDeploy, usableFile360 } from './kit/server';
import { shortStatus } from './kit/status';

type F360PutNodeDef = NodeDef & F360PutConfigFields & { server: string };
type F360PutMessage = NodeMessageInFlow & FileBridgeMessage;

const NO_SERVER = 'No File 360 connection is selected: open the file360 put node and choose a server configuration whose protocol is File 360.';

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
      node.error(configError.message);
    }
    const server = serverNodeOf(RED, def.server);
    if (configError) node.status({ fill: 'red', shape: 'ring', text: configError.code });
    else if (showServerAtDeploy(node, server) && server?.protocol !== 'file360') node.status({ fill: 'red', shape: 'ring', text: 'not a File 360 server' });

    node.on('input', (msg: F360PutMessage, send, done) => {
      void (async () => {
        if (configError || !settings) throw configError ?? new FileBridgeError('INVALID_INPUT', 'file360 put has no settings.');
        const { client, label } = usableFile360(RED, def.server, NO_SERVER);
        const facts = receivedFacts(msg);
        // Every check of the message happens here, before any request: bad input sends nothing.
        // A file opened again for a retry hashes itself, so the put does not hash its bytes a second time.
        const reopen = reopenerFor(RED, facts.source, { sha256: true });
        const put = prepareF360Put(settings, { payload: msg.payload, filename: msg.filename, facts, reopen, server: label });
        node.status({ fill: 'blue', shape: 'dot', text: shortStatus(`uploading ${put.name}`) });
        const outcome = await performF360Put(client, put, (sent) => {
          node.status({ fill: 'blue', shape: 'dot', text: progressText(put.name, sent, put.size) });
        });
        msg.filebridge = withFacts(msg, { file360: outcome });
        // The content went into the upload; the message goes on without it.
        delete msg.payload;
        node.status({ fill: 'green', shape: 'dot', text: shortStatus(`${outcome.renamed ? 'renamed' : 'stored'}: ${outcome.name}`) });
        send(msg);
        done();
      })().catch((err: unknown) => failMessage(node, msg, err, done));
    });
  }

  RED.nodes.registerType('filebridge-f360-put', FileBridgeF360Put);
}

export = register;
