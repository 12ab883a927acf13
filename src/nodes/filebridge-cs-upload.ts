import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { performUpload, prepareUpload, reopenableSource, uploadDefaultsFromConfig, type UploadConfigFields } from '../core/content-server/upload-request';
import { receivedFacts, withFacts, type FileBridgeMessage } from '../core/message';
import { progressText } from '../core/progress';
import { reopenerFor } from './kit/claimed-file';
import { csClientOf, csConnectionOf } from './kit/cs-connection';
import { failMessage } from './kit/failure';
import { shortStatus } from './kit/status';

type UploadNodeDef = NodeDef & UploadConfigFields & { connection: string };
type UploadMessage = NodeMessageInFlow & FileBridgeMessage;

function register(RED: NodeAPI): void {
  function FileBridgeCsUpload(this: Node, def: UploadNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = csConnectionOf(RED, node, def.connection);
    const defaults = uploadDefaultsFromConfig(def);

    node.on('input', (msg: UploadMessage, send, done) => {
      void (async () => {
        const client = csClientOf(connection);
        const fb = receivedFacts(msg);
        // A stream from a watch can be opened again on its server, so an attempt that failed half-way is sent again.
        const origin = reopenableSource(fb.source, reopenerFor(RED, fb.source));
        const upload = prepareUpload(defaults, msg.payload, msg.filename, fb.target, origin);
        node.status({ fill: 'blue', shape: 'dot', text: shortStatus(`uploading ${upload.name}`) });
        // Big files take minutes: show how far they are, at most once a second, the first time a second
        // after "uploading". The last bytes show none: the outcome follows at once (a small file, sent in
        // one chunk, goes from "uploading" to its outcome, however long the server took to get there).
        let shown = Date.now();
        const onProgress = (sent: number): void => {
          const now = Date.now();
          if (now - shown < 1000 || (upload.size !== undefined && sent >= upload.size)) return;
          shown = now;
          node.status({ fill: 'blue', shape: 'dot', text: progressText(upload.name, sent, upload.size) });
        };
        const outcome = await performUpload(client, upload, onProgress);
        msg.filebridge = withFacts(msg, { cs: outcome });
        node.status({ fill: 'green', shape: 'dot', text: shortStatus(`${outcome.redelivered ? 'already filed' : outcome.action}: ${outcome.name}`) });
        send(msg);
        done();
      })().catch((err: unknown) => failMessage(node, msg, err, done));
    });
  }

  RED.nodes.registerType('filebridge-cs-upload', FileBridgeCsUpload);
}

export = register;
