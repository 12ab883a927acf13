import type { NodeAPI, Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { Readable } from 'node:stream';
import { FileBridgeError, errorMessage } from '../core/errors';
import { receivedFacts, withFacts, type FileBridgeMessage } from '../core/message';
import { formatForFileName, formatRecords, readRecordBatches, type RecordFormat } from '../core/records';
import { restRequestSettingsFromConfig, type RestRequestConfigFields, type RestRequestSettings } from '../core/rest/request-config';
import { failureFacts, runRestRequest, type RunExpressions, type RunOutput, type RunRecords } from '../core/rest/request-run';
import { reopenerFor } from './kit/claimed-file';
import { failMessage } from './kit/failure';
import { partnerFormatOf, restClientOf, restConnectionOf } from './kit/rest-connection';
import { shortStatus } from './kit/status';

type RestRequestNodeDef = NodeDef & RestRequestConfigFields & { connection: string; format?: string };
type RestRequestMessage = NodeMessageInFlow & FileBridgeMessage;

/** A record format bound to the records core's reader and writer. */
function recordsOf(format: RecordFormat): RunRecords {
  return {
    read: (source: Readable, batchSize: number) => readRecordBatches(source, format, { batchSize }),
    write: (batches) => formatRecords(batches, format),
  };
}

function register(RED: NodeAPI): void {
  function FileBridgeRestRequest(this: Node, def: RestRequestNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    // The dialog's fields, templates and JSONata are checked at deploy: a typo shows before a message arrives.
    let settings: RestRequestSettings | undefined;
    let expressions: RunExpressions = {};
    let configError: FileBridgeError | undefined;
    try {
      settings = restRequestSettingsFromConfig(def);
      expressions = compileExpressions(settings);
    } catch (err) {
      configError = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', errorMessage(err));
      node.error(configError.message);
    }
    const connection = restConnectionOf(RED, node, def.connection);
    if (configError) node.status({ fill: 'red', shape: 'ring', text: configError.code });

    /** Paging expressions as plain async functions, with Node-RED's own JSONata (no dependency of ours). */
    function compileExpressions(s: RestRequestSettings): RunExpressions {
      const compile = (text: string | undefined, label: string): ((body: unknown) => Promise<unknown>) | undefined => {
        if (!text) return undefined;
        let expr: ReturnType<NodeAPI['util']['prepareJSONataExpression']>;
        try {
          expr = RED.util.prepareJSONataExpression(text, node);
        } catch (err) {
          throw new FileBridgeError('INVALID_INPUT', `${label}: "${text}" is not a JSONata expression: ${errorMessage(err)}`, { field: label });
        }
        return (body: unknown) =>
          new Promise((resolve, reject) => {
            // The page body is the expression's input ($ and bare names refer to it).
            RED.util.evaluateJSONataExpression(expr, body as NodeMessage, (err, value) =>
              err ? reject(new FileBridgeError('INVALID_INPUT', `${label}: "${text}" failed on a page: ${errorMessage(err)}`)) : resolve(value),
            );
          });
      };
      return { items: compile(s.paging.items, 'Items'), nextLink: compile(s.paging.nextLink, 'Next link'), cursor: compile(s.paging.cursor, 'Next cursor') };
    }

    node.on('input', (msg: RestRequestMessage, send, done) => {
      void (async () => {
        if (configError || !settings) throw configError ?? new FileBridgeError('INVALID_INPUT', 'rest request has no settings.');
        const client = restClientOf(connection);
        const partner = partnerFormatOf(RED, def.format);
        const facts = receivedFacts(msg);
        const recordsFor = (fileName: string): RunRecords => {
          const format = partner ?? formatForFileName(fileName);
          if (!format) {
            throw new FileBridgeError(
              'INVALID_INPUT',
              `No record format for "${fileName}": choose a partner format in the node, or give the file a .csv, .json or .jsonl name.`,
            );
          }
          return recordsOf(format);
        };
        node.status({ fill: 'blue', shape: 'ring', text: `${settings.method} …` });
        const incoming = msg.payload;
        const emit = (out: RunOutput): void => {
          // Several messages may leave for one input (pages, records): each its own copy, made without
          // the payload (a stream cannot be copied), which is then set.
          delete msg.payload;
          const copy = RED.util.cloneMessage(msg);
          msg.payload = incoming;
          copy.filebridge = withFacts(copy, { rest: out.rest });
          if (out.keepPayload) copy.payload = incoming;
          else if (out.payload !== undefined) copy.payload = out.payload;
          if (out.filename !== undefined) copy.filename = out.filename;
          send(copy);
        };
        const summary = await runRestRequest(
          {
            settings,
            client,
            connection: connection?.label ?? '',
            baseUrl: connection?.baseUrl,
            secretQuery: connection?.secretQuery,
            payload: msg.payload,
            filename: msg.filename,
            msg: msg as unknown as Record<string, unknown>,
            facts,
            recordsFor,
            expressions,
            reopen: reopenerFor(RED, facts.source),
            progress: (text) => node.status({ fill: 'blue', shape: 'ring', text: shortStatus(text) }),
          },
          emit,
        );
        if (summary.finished) {
          node.status({ fill: 'blue', shape: 'ring', text: summary.text });
          const text = await summary.finished;
          node.status({ fill: 'green', shape: 'dot', text: shortStatus(text) });
        } else node.status({ fill: 'green', shape: 'dot', text: shortStatus(summary.text) });
        done();
      })().catch((err: unknown) => {
        // What the API said (status, error text, field errors, batch) goes with the message to the Catch node.
        const rest = failureFacts(err, connection?.label ?? '', settings?.method ?? '');
        if (rest) msg.filebridge = withFacts(msg, { rest });
        failMessage(node, msg, err, done);
      });
    });
  }

  RED.nodes.registerType('filebridge-rest-request', FileBridgeRestRequest);
}

export = register;
