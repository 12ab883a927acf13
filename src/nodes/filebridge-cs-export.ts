import type { NodeAPI, Node, NodeDef, NodeMessageInFlow, NodeMessage } from 'node-red';
import { FileBridgeError } from '../core/errors';
import { readMark, runChanges, runDocument, type ExportMark, type ExportMarks, type ExportedDocument, type RunOutcome } from '../core/content-server';
import { documentMessage, exportRequest, reportFacts, type ExportNodeSettings } from '../core/content-server/export-request';
import { failMessage } from './failure';
import { csClientOf, csConnectionOf } from './cs-connection-node';

/** A deployed `filebridge-cs-connection` config node as this node sees it. */

type ExportNodeDef = NodeDef & ExportNodeSettings & { connection: string; folderType?: string; store?: string };

type ExportMessage = NodeMessageInFlow & { reset?: unknown; filebridge?: Record<string, unknown> };

/** Context key holding this node's marks (one per exported query). */
const MARKS_KEY = 'filebridgeExportMarks';

interface Job {
  msg: ExportMessage;
  send: (msgs: (NodeMessage | null)[]) => void;
  done: (err?: Error) => void;
  /** Same key = same run request: a second identical trigger while one waits adds nothing. */
  coalesceKey?: string;
}

function register(RED: NodeAPI): void {
  function FileBridgeCsExport(this: Node, def: ExportNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = csConnectionOf(RED, node, def.connection);
    const store = def.store ? def.store : undefined;
    const context = node.context();

    const readMarks = (): Promise<ExportMarks> =>
      new Promise((resolve, reject) => {
        const cb = (err: Error | null | undefined, value: unknown): void => {
          if (err) reject(new FileBridgeError('INVALID_INPUT', `Cannot read the export mark from context store '${store ?? 'default'}': ${err.message}`));
          else resolve(typeof value === 'object' && value !== null ? (value as ExportMarks) : {});
        };
        if (store) context.get(MARKS_KEY, store, cb);
        else context.get(MARKS_KEY, cb);
      });
    const writeMarks = (marks: ExportMarks | undefined): Promise<void> =>
      new Promise((resolve, reject) => {
        const cb = (err?: Error | null): void => {
          if (err) reject(new FileBridgeError('INVALID_INPUT', `Cannot save the export mark in context store '${store ?? 'default'}': ${err.message}`));
          else resolve();
        };
        if (store) context.set(MARKS_KEY, marks, store, cb);
        else context.set(MARKS_KEY, marks, cb);
      });

    const queue: Job[] = [];
    let pumping: Promise<void> | undefined;
    const stopping = new AbortController();

    function folderFromConfig(msg: ExportMessage): unknown {
      const type = def.folderType || 'str';
      if (type === 'str' || type === 'num') return def.folder;
      return RED.util.evaluateNodeProperty(def.folder ?? '', type, node, msg);
    }

    async function runJob(job: Job): Promise<void> {
      const { msg, send, done } = job;
      try {
        if (msg.reset === true) {
          await writeMarks(undefined);
          node.status({ fill: 'grey', shape: 'ring', text: 'mark reset' });
          done();
          return;
        }
        const client = csClientOf(connection);
        const request = exportRequest(def, msg.payload, msg.filebridge?.export, folderFromConfig(msg));
        const runId = RED.util.generateId();
        const emit = (doc: ExportedDocument): void => {
          const out = documentMessage(doc, runId, request.mode, msg.topic);
          if (request.mode === 'changes') {
            send([{ _msgid: RED.util.generateId(), ...out }, null]);
            return;
          }
          // One request, one document: it carries the request on (e.g. msg.req/msg.res of an HTTP
          // In), so the node that stores the file can answer the caller once it is stored. The
          // request's payload is left out: the document replaces it, and a stream cannot be cloned.
          const asked: Record<string, unknown> = { ...msg };
          delete asked.payload;
          const carried = RED.util.cloneMessage(asked as NodeMessage) as NodeMessage & Record<string, unknown>;
          const facts = out.filebridge as Record<string, unknown>;
          send([{ ...carried, ...out, filebridge: { ...(msg.filebridge ?? {}), ...facts } }, null]);
        };
        const hooks = {
          emit,
          signal: stopping.signal,
          progress: (p: { phase: 'listing' | 'sending'; index: number; count: number }): void =>
            node.status(p.phase === 'listing' ? { fill: 'blue', shape: 'ring', text: 'listing' } : { fill: 'blue', shape: 'dot', text: `exporting ${p.index}/${p.count}` }),
        };
        let outcome: RunOutcome;
        if (request.mode === 'document') {
          node.status({ fill: 'blue', shape: 'dot', text: `exporting ${request.id}` });
          outcome = await runDocument(client, { runId, id: request.id, version: request.version, where: request.where }, request.settings, hooks);
        } else {
          outcome = await runChanges(client, {
            runId,
            folder: request.folder,
            recursive: request.recursive,
            where: request.where,
            nameGlob: request.nameGlob,
            onlyChanged: request.onlyChanged,
            loadMark: async (key) => readMark((await readMarks())[key]),
            saveMark: async (key, mark: ExportMark) => writeMarks({ ...(await readMarks()), [key]: mark }),
          }, request.settings, hooks);
        }
        const report = RED.util.cloneMessage(msg) as NodeMessage & Record<string, unknown>;
        report.payload = outcome.summary;
        report.filebridge = { ...(msg.filebridge ?? {}), export: reportFacts(request, runId) };
        send([null, report]);
        if (outcome.error) throw outcome.error;
        const { sent, errors } = outcome.summary;
        node.status(errors.length > 0
          ? { fill: 'yellow', shape: 'dot', text: `${sent} sent, ${errors.length} gone` }
          : { fill: 'green', shape: 'dot', text: `${sent} sent` });
        done();
      } catch (err) {
        failMessage(node, msg, err, done);
      }
    }

    async function pump(): Promise<void> {
      for (let job = queue.shift(); job; job = queue.shift()) await runJob(job);
      pumping = undefined;
    }

    node.on('input', (msg: ExportMessage, send, done) => {
      let coalesceKey: string | undefined;
      if (msg.reset !== true && def.mode !== 'document') {
        // Triggers naming different folders (from msg, flow, env) are different runs.
        let folder: unknown;
        try {
          folder = folderFromConfig(msg);
        } catch {
          folder = null;
        }
        coalesceKey = JSON.stringify([msg.filebridge?.export ?? null, folder ?? null]);
      }
      if (coalesceKey !== undefined && queue.some((j) => j.coalesceKey === coalesceKey)) {
        // An identical run is already waiting and will see everything this one would.
        node.warn('An export run is already waiting for the current one to finish: this trigger adds nothing and is dropped.');
        done();
        return;
      }
      queue.push({ msg, send: send as Job['send'], done, coalesceKey });
      pumping ??= pump();
    });

    node.on('close', (_removed: boolean, closed: () => void) => {
      stopping.abort();
      // Waiting triggers never ran; they end quietly instead of as errors.
      for (const job of queue.splice(0)) job.done();
      void (pumping ?? Promise.resolve()).then(() => closed());
    });
  }

  RED.nodes.registerType('filebridge-cs-export', FileBridgeCsExport);
}

export = register;
