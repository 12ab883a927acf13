import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import type { Request, Response } from 'express';
import { FileBridgeError, errorMessage } from '../core/errors';
import {
  buildTarget,
  compileMapping,
  mapMetadata,
  mappingSettingsFromConfig,
  mappingError,
  remoteFilesFromPool,
  sampleMessage,
  TableCache,
  type CompiledMapping,
  type JsonataEvaluator,
  type MappingConfigFields,
  type MappingDeps,
} from '../core/mapping';
import { withFacts, type FileBridgeMessage } from '../core/message';
import { failMessage } from './kit/failure';
import { serverNodeOf, usableServer } from './kit/server';
import { shortStatus } from './kit/status';

type MapNodeDef = NodeDef & MappingConfigFields & { server?: string };

type MapMessage = NodeMessageInFlow & FileBridgeMessage;

function register(RED: NodeAPI): void {
  /** Node-RED's own JSONata (with $flowContext, $env...), so rules behave as in a change node. */
  function jsonataFor(node: Node | undefined): { evaluate: JsonataEvaluator; check: (expression: string) => void } {
    const prepared = new Map<string, ReturnType<typeof RED.util.prepareJSONataExpression>>();
    const prepare = (expression: string): ReturnType<typeof RED.util.prepareJSONataExpression> => {
      let expr = prepared.get(expression);
      if (!expr) {
        expr = RED.util.prepareJSONataExpression(expression, node as Node);
        prepared.set(expression, expr);
      }
      return expr;
    };
    return {
      check: (expression) => void prepare(expression),
      evaluate: (expression, msg) =>
        new Promise((resolve, reject) => {
          RED.util.evaluateJSONataExpression(prepare(expression), msg as never, (err: Error | null, value: unknown) => (err ? reject(err) : resolve(value)));
        }),
    };
  }

  /** Compiles the rules and checks JSONata syntax now, so a typo shows at deploy and in the preview. */
  function compile(fields: MappingConfigFields, jsonata: { check: (expression: string) => void }): CompiledMapping {
    const mapping = compileMapping(mappingSettingsFromConfig(fields));
    mapping.rules.forEach((rule, index) => {
      if (rule.source.kind !== 'jsonata') return;
      try {
        jsonata.check(rule.source.expression);
      } catch (err) {
        throw new FileBridgeError('INVALID_INPUT', `Rule ${index + 1} (${rule.field}): the JSONata expression is not valid: ${errorMessage(err)}`);
      }
    });
    return mapping;
  }

  function FileBridgeMapMetadata(this: Node, def: MapNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    // The editor may keep a server selected after the table moved elsewhere: only a remote table uses it.
    const serverId = def.tableFrom === 'remote' && def.server ? def.server : undefined;
    const server = serverNodeOf(RED, serverId);
    const jsonata = jsonataFor(node);
    const cache = new TableCache();
    let mapping: CompiledMapping | undefined;
    let configError: FileBridgeError | undefined;
    try {
      mapping = compile(def, jsonata);
      if (def.tableFrom === 'remote' && !server) {
        throw new FileBridgeError('INVALID_INPUT', 'The lookup table is read from a server, but no server is selected: choose one in the node.');
      }
    } catch (err) {
      configError = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', errorMessage(err));
      node.error(`Mapping rules are unusable: ${configError.message}`);
      node.status({ fill: 'red', shape: 'ring', text: 'rules invalid' });
    }

    node.on('input', (msg: MapMessage, send, done) => {
      void (async () => {
        if (configError || !mapping) throw configError ?? new FileBridgeError('INVALID_INPUT', 'The mapping rules are unusable.');
        const deps: MappingDeps = { jsonata: jsonata.evaluate, cache };
        if (server) deps.remote = remoteFilesFromPool(usableServer(RED, serverId, 'The server of the lookup table is no longer deployed.').pool);
        const { target, fields } = await buildTarget(mapping, msg as unknown as Record<string, unknown>, deps);
        msg.filebridge = withFacts(msg, { fields, target });
        const shown = typeof target.name === 'string' ? target.name : typeof msg.filename === 'string' ? msg.filename : 'mapped';
        node.status({ fill: 'green', shape: 'dot', text: shortStatus(shown) });
        send(msg);
        done();
      })().catch((err: unknown) => {
        failMessage(node, msg, err, done);
        if (err instanceof FileBridgeError && err.code === 'MAPPING') {
          node.status({ fill: 'red', shape: 'ring', text: shortStatus(`MAPPING: ${(err.details.fields as string[]).join(', ')}`) });
        }
      });
    });

    node.on('close', (done: () => void) => {
      cache.clear();
      done();
    });
  }

  RED.nodes.registerType('filebridge-map-metadata', FileBridgeMapMetadata);

  /*
   * The editor's Preview: the rules as typed now, run by the same core against a sample file name.
   * Lookup tables on a server are read through the deployed server node, if there is one.
   */
  RED.httpAdmin.post('/filebridge/map-metadata/preview', RED.auth.needsPermission('filebridge-map-metadata.write'), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as MappingConfigFields & { id?: string; server?: string; sample?: string; fields?: unknown };
    void (async () => {
      const deployed = body.id ? (RED.nodes.getNode(body.id) ?? undefined) : undefined;
      const jsonata = jsonataFor(deployed);
      const mapping = compile(body, jsonata);
      const deps: MappingDeps = { jsonata: jsonata.evaluate };
      const server = serverNodeOf(RED, body.tableFrom === 'remote' ? body.server : undefined);
      if (server?.pool) deps.remote = remoteFilesFromPool(server.pool);
      const msg = sampleMessage(String(body.sample ?? ''), body.fields, new Date());
      const outcome = await mapMetadata(mapping, msg, deps);
      if (outcome.missing.length > 0) {
        const err = mappingError(outcome.missing);
        res.json({
          ok: false,
          error: { code: err.code, message: err.message, fields: err.details.fields },
          missing: outcome.missing,
          target: outcome.target,
          fields: outcome.fields,
        });
        return;
      }
      res.json({ ok: true, target: outcome.target, fields: outcome.fields });
    })().catch((err: unknown) => {
      const e = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', errorMessage(err));
      res.json({ ok: false, error: { code: e.code, message: e.message } });
    });
  });
}

export = register;
