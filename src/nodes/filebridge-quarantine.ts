import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { Readable } from 'node:stream';
import { receivedFacts, withFacts, type FileBridgeMessage } from '../core/message';
import { claimedFileOf, retryClaim, rollbackClaim } from '../core/pipeline/process-strategy';
import { failureOf } from '../core/pipeline/quarantine-report';
import { claimSiteOf } from './kit/claimed-file';
import { failMessage } from './kit/failure';
import { shortStatus } from './kit/status';

type QuarantineNodeDef = NodeDef & { folder: string; retryTransient?: boolean };
type QuarantineMessage = NodeMessageInFlow & FileBridgeMessage;

function register(RED: NodeAPI): void {
  function FileBridgeQuarantine(this: Node, def: QuarantineNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let count = 0;
    let again = 0;
    // Absent in flows made before the option: on, as for new nodes.
    const retrying = def.retryTransient !== false;
    const showStatus = (last: string): void =>
      node.status({ fill: 'yellow', shape: 'dot', text: shortStatus(`${count} quarantined${again ? `, ${again} sent again` : ''}, last: ${last}`) });

    node.on('input', (msg: QuarantineMessage, send, done) => {
      void (async () => {
        const fb = receivedFacts(msg);
        const claimed = claimedFileOf(fb);
        const site = claimSiteOf(RED, claimed.source);
        if (msg.payload instanceof Readable) msg.payload.destroy();
        const failure = failureOf(msg.error, fb.validation);
        const retried = retrying ? retryClaim(site, claimed, failure) : undefined;
        if (retried) {
          again++;
          node.warn(retried.text);
          showStatus(claimed.source.name);
          done();
          return;
        }
        const result = await rollbackClaim(site, claimed, failure, {
          folder: def.folder,
          target: fb.cs,
          warn: (text) => node.warn(text),
        });
        msg.filebridge = withFacts(msg, { quarantine: { path: result.path, reportPath: result.reportPath, report: result.report }, audit: result.audit });
        msg.payload = result.text;
        msg.topic = `filebridge/quarantine/${claimed.source.name}`;
        count++;
        showStatus(claimed.source.name);
        send(msg);
        done();
      })().catch((err: unknown) => failMessage(node, msg, err, done));
    });
  }

  RED.nodes.registerType('filebridge-quarantine', FileBridgeQuarantine);
}

export = register;
