import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { FileBridgeError } from '../core/errors';
import { auditRecord } from '../core/pipeline/audit';
import { disposeSource, DISPOSALS, type Disposal } from '../core/pipeline/dispose';
import { archivePath } from '../core/pipeline/archive-path';
import { failMessage } from './failure';
import { takeSource } from './source-of-message';
import { shortStatus } from './status';

type AckNodeDef = NodeDef & { action: Disposal; archiveTemplate: string };
type AckMessage = NodeMessageInFlow & { filebridge?: Record<string, unknown> };

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
      let release: (() => void) | undefined;
      void (async () => {
        const taken = takeSource(RED, msg.filebridge);
        const { source, pool, watch, correlationId } = taken;
        release = taken.release;
        const ledgerFacts = { path: source.path, size: source.size, mtime: source.mtime };
        // Recorded before the file is back in the inbox, so no poll can see it unrecorded.
        if (action === 'leave') await watch?.ledger?.record(ledgerFacts, 'left');
        const at = new Date();
        const result = await disposeSource(pool, source, { action, archiveTemplate: def.archiveTemplate, at, correlationId });
        if (action !== 'leave') await watch?.ledger?.record(ledgerFacts, result.action).catch((err: unknown) => node.warn(`Ledger not updated for ${source.path}: ${String(err)}`));
        release();
        const audit = auditRecord(source, 'acked', result.action, new Date(), { correlationId, target: msg.filebridge?.cs, sourceNowAt: result.path });
        msg.filebridge = { ...(msg.filebridge ?? {}), audit };
        acked++;
        node.status({ fill: 'green', shape: 'dot', text: shortStatus(`${acked} acked, last: ${source.name}`) });
        send(msg);
        done();
      })().catch((err: unknown) => {
        release?.();
        failMessage(node, msg, err instanceof Error ? err : new FileBridgeError('INVALID_INPUT', String(err)), done);
      });
    });
  }

  RED.nodes.registerType('filebridge-ack', FileBridgeAck);
}

export = register;
