import type { NodeAPI, Node, NodeDef, NodeMessageInFlow, NodeMessage } from 'node-red';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../core/errors';
import { runChanges, runDocument, type ExportedDocument, type RunOutcome, type SkippedEntry } from '../core/content-server';
import { DeliveryConfirmations } from '../core/content-server/export-confirm';
import { ExportMarkStore } from '../core/content-server/export-mark';
import { ExportQueue } from '../core/content-server/export-queue';
import { documentMessage, exportRequestFromConfig, reportFacts, triggerKey, type ExportConfigFields } from '../core/content-server/export-request';
import { receivedFacts, withFacts, type FileBridgeMessage } from '../core/message';
import { contextStore, missingStoreOf, missingStoreStatus, type CallbackContext } from './kit/context-store';
import { csClientOf, csConnectionOf } from './kit/cs-connection';
import { evaluatePropertyNow } from './kit/evaluate';
import { failMessage } from './kit/failure';

type ExportNodeDef = NodeDef & ExportConfigFields & { connection: string; folderType?: string; store?: string };
type ExportMessage = NodeMessageInFlow & FileBridgeMessage & { reset?: unknown };

interface Job {
  msg: ExportMessage;
  send: (msgs: (NodeMessage | null)[]) => void;
  done: (err?: Error) => void;
}

function register(RED: NodeAPI): void {
  function FileBridgeCsExport(this: Node, def: ExportNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = csConnectionOf(RED, node, def.connection);
    const store = def.store ? def.store : undefined;
    const marks = new ExportMarkStore(contextStore(node.context() as unknown as CallbackContext, store), store);
    const stopping = new AbortController();
    const missingStore = missingStoreOf(RED, store);
    if (missingStore && connection && !connection.configError) node.status(missingStoreStatus(missingStore));
    const confirmations = new DeliveryConfirmations();

    function folderFromConfig(msg: ExportMessage): unknown {
      const type = def.folderType || 'str';
      if (type === 'str' || type === 'num') return def.folder;
      return evaluatePropertyNow(RED, node, msg, def.folder ?? '', type);
    }

    async function runJob(job: Job): Promise<void> {
      const { msg, send, done } = job;
      try {
        if (msg.reset === true) {
          await marks.reset();
          node.status({ fill: 'grey', shape: 'ring', text: 'mark reset' });
          done();
          return;
        }
        const client = csClientOf(connection);
        const asked = receivedFacts(msg);
        const request = exportRequestFromConfig(def, msg.payload, asked.export, folderFromConfig(msg));
        const runId = RED.util.generateId();
        const emit = (doc: ExportedDocument): void => {
          const out = documentMessage(doc, runId, request.mode, msg.topic);
          if (request.mode === 'changes') {
            send([{ _msgid: RED.util.generateId(), ...out } as NodeMessage, null]);
            return;
          }
          // One request, one document: it carries the request on (e.g. msg.req/msg.res of an HTTP
          // In), so the node that stores the file can answer the caller once it is stored. The
          // request's payload is left out: the document replaces it, and a stream cannot be cloned.
          const asking: Record<string, unknown> = { ...msg };
          delete asking.payload;
          const carried = RED.util.cloneMessage(asking as NodeMessage) as NodeMessage & Record<string, unknown>;
          send([{ ...carried, ...out, filebridge: withFacts(msg, out.filebridge) } as NodeMessage, null]);
        };
        // A document skipped as refused for good goes to the Catch nodes as an error of its own (the run goes on).
        const skipped = (doc: ExportedDocument, entry: SkippedEntry, error: FileBridgeError): void => {
          const out = documentMessage(doc, runId, request.mode, msg.topic);
          const report = {
            _msgid: RED.util.generateId(),
            ...out,
            payload: entry,
            filebridge: { ...out.filebridge, export: { ...out.filebridge.export, skipped: true } },
          };
          node.error(error, report as NodeMessage);
        };
        const hooks = {
          emit,
          skipped,
          signal: stopping.signal,
          expectConfirmation: (index: number, what: string, timeoutMs: number) => {
            node.status({ fill: 'blue', shape: 'ring', text: `waiting for ${index} to be stored` });
            return confirmations.expect(runId, index, what, timeoutMs);
          },
          progress: (p: { phase: 'listing' | 'sending'; index: number; count: number }): void =>
            node.status(
              p.phase === 'listing'
                ? { fill: 'blue', shape: 'ring', text: 'listing' }
                : { fill: 'blue', shape: 'dot', text: `exporting ${p.index}/${p.count}` },
            ),
        };
        let outcome: RunOutcome;
        if (request.mode === 'document') {
          node.status({ fill: 'blue', shape: 'dot', text: `exporting ${request.id}` });
          outcome = await runDocument(client, { runId, id: request.id, version: request.version, where: request.where }, request.settings, hooks);
        } else {
          outcome = await runChanges(
            client,
            {
              runId,
              folder: request.folder,
              recursive: request.recursive,
              where: request.where,
              nameGlob: request.nameGlob,
              onlyChanged: request.onlyChanged,
              loadMark: (key) => marks.load(key),
              saveMark: (key, mark) => marks.save(key, mark),
            },
            request.settings,
            hooks,
          );
        }
        const report = RED.util.cloneMessage(msg) as NodeMessage & FileBridgeMessage;
        report.payload = outcome.summary;
        report.filebridge = withFacts(msg, { export: reportFacts(request, runId) });
        send([null, report]);
        if (outcome.error) throw outcome.error;
        const { sent, errors, skipped: passed } = outcome.summary;
        const text = [`${sent} sent`, ...(passed.length > 0 ? [`${passed.length} skipped`] : []), ...(errors.length > 0 ? [`${errors.length} gone`] : [])].join(
          ', ',
        );
        node.status(
          missingStore
            ? missingStoreStatus(missingStore, text)
            : errors.length > 0 || passed.length > 0
              ? { fill: 'yellow', shape: 'dot', text }
              : { fill: 'green', shape: 'dot', text },
        );
        done();
      } catch (err) {
        failMessage(node, msg, err, done);
      }
    }

    const queue = new ExportQueue<Job>(runJob);

    node.on('input', (msg: ExportMessage, send, done) => {
      // A document's message back from the node that stored it (or a Complete / Catch node): the
      // confirmation the running export waits for, never a new trigger.
      const answer = confirmations.receive(receivedFacts(msg), msg.error);
      if (answer !== undefined) {
        // What is left of the payload is of no use any more, and must not hold a connection.
        if (msg.payload instanceof Readable && !msg.payload.readableEnded) msg.payload.destroy();
        // 'report': our own report of a skipped document, back through a Catch node: nothing to answer.
        if (answer === 'stale' && def.deliveredWhen === 'confirmed')
          node.warn('A document came back after its export run had stopped waiting for it: ignored (the next run sends it again if it was not confirmed).');
        done();
        return;
      }
      let key: string | undefined;
      if (msg.reset !== true && def.mode !== 'document') {
        let folder: unknown;
        try {
          folder = folderFromConfig(msg);
        } catch {
          folder = null;
        }
        key = triggerKey(def, false, receivedFacts(msg).export, folder);
      }
      if (!queue.add({ msg, send: send as Job['send'], done }, key)) {
        // An identical run is already waiting and will see everything this one would.
        node.warn('An export run is already waiting for the current one to finish: this trigger adds nothing and is dropped.');
        done();
      }
    });

    node.on('close', (_removed: boolean, closed: () => void) => {
      stopping.abort();
      confirmations.abort(new FileBridgeError('CONNECTION', 'The export was stopped (node closed or redeployed); the next run resumes from the mark'));
      const { neverRan, idle } = queue.close();
      // Waiting triggers never ran; they end quietly instead of as errors.
      for (const job of neverRan) job.done();
      void idle.then(() => closed());
    });
  }

  RED.nodes.registerType('filebridge-cs-export', FileBridgeCsExport);
}

export = register;
