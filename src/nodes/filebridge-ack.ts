import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { receivedFacts, withFacts, type FileBridgeMessage } from '../core/message';
import { archivePath } from '../core/pipeline/archive-path';
import { DISPOSALS, type Disposal } from '../core/pipeline/dispose';
import { claimedFileOf, commitClaim } from '../core/pipeline/process-strategy';
import { claimSiteOf } from './kit/claimed-file';
import { failMessage } from './kit/failure';
import { shortStatus } from './kit/status';

type AckNodeDef = NodeDef & { action: Disposal; archiveTemplate: string };
type AckMessage = NodeMessageInFlow & FileBridgeMessage;

function register(RED: NodeAPI): void {
  function FileBridgeAck(this: Node, def: AckNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const action: Disposal = DISPOSALS.includes(def.action) ? def.action : 'archive';
    if (action === 'archive') {
      try {
        // A typo in the template shows at deploy, not on the first file.
        archivePath(def.archiveTemplate ?? '', { name: 'x.pdf', relativePath: 'x.pdf', folder: '/' }, new Date());
      } catch (err) {
        node.error(err instanceof Error ? err.message : String(err));
        node.status({ fill: 'red', shape: 'ring', text: 'INVALID_INPUT' });
      }
    }
    let acked = 0;

    node.on('input', (msg: AckMessage, send, done) => {
      void (async () => {
        const fb = receivedFacts(msg);
        const claimed = claimedFileOf(fb);
        const { audit } = await commitClaim(claimSiteOf(RED, claimed.source), claimed, {
          action,
          archiveTemplate: def.archiveTemplate,
          target: fb.cs,
          warn: (text) => node.warn(text),
        });
        msg.filebridge = withFacts(msg, { audit });
        acked++;
        node.status({ fill: 'green', shape: 'dot', text: shortStatus(`${acked} acked, last: ${claimed.source.name}`) });
        send(msg);
        done();
      })().catch((err: unknown) => failMessage(node, msg, err, done));
    });
  }

  RED.nodes.registerType('filebridge-ack', FileBridgeAck);
}

export = register;
