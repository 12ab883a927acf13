import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { Readable } from 'node:stream';
import { auditRecord } from '../core/pipeline/audit';
import { quarantineSource } from '../core/pipeline/dispose';
import { failureOf } from '../core/pipeline/quarantine-report';
import { failMessage } from './failure';
import { takeSource } from './source-of-message';
import { shortStatus } from './status';

type QuarantineNodeDef = NodeDef & { folder: string };
type QuarantineMessage = NodeMessageInFlow & { filebridge?: Record<string, unknown>; error?: unknown; filename?: unknown };

function register(RED: NodeAPI): void {
  function FileBridgeQuarantine(this: Node, def: QuarantineNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let count = 0;

    node.on('input', (msg: QuarantineMessage, send, done) => {
      let release: (() => void) | undefined;
      void (async () => {
        const taken = takeSource(RED, msg.filebridge);
        const { source, pool, watch, correlationId } = taken;
        release = taken.release;
        if (msg.payload instanceof Readable) msg.payload.destroy();
        const failure = failureOf(msg.error, msg.filebridge?.validation);
        const result = await quarantineSource(pool, source, failure, { folder: def.folder, correlationId });
        // Never in the ledger: a corrected file put back must be taken again.
        await watch?.ledger?.forget({ path: source.path, size: source.size, mtime: source.mtime }).catch(() => undefined);
        release();
        const audit = auditRecord(source, 'quarantined', 'quarantined', new Date(), {
          correlationId, target: msg.filebridge?.cs, sourceNowAt: result.report.fileMoved ? result.path : undefined,
          error: result.report.error,
        });
        msg.filebridge = { ...(msg.filebridge ?? {}), quarantine: { path: result.path, reportPath: result.reportPath, report: result.report }, audit };
        msg.payload = `${source.name} was quarantined as ${result.path}: ${failure.code ? `${failure.code} ` : ''}${failure.message}`;
        msg.topic = `filebridge/quarantine/${source.name}`;
        count++;
        node.status({ fill: 'yellow', shape: 'dot', text: shortStatus(`${count} quarantined, last: ${source.name}`) });
        send(msg);
        done();
      })().catch((err: unknown) => {
        release?.();
        failMessage(node, msg, err, done);
      });
    });
  }

  RED.nodes.registerType('filebridge-quarantine', FileBridgeQuarantine);
}

export = register;
