import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../core/errors';
import { remoteBasename, remoteDirname } from '../core/paths';
import { settingsFromNode, type ValidateNodeSettings } from '../core/validate/node-settings';
import { parseRules, type RuleSet } from '../core/validate/rules';
import { poolFiles } from '../core/validate/remote-files';
import { validateFile, type RemoteFiles } from '../core/validate/validator';
import type { ServerNode } from './server-node';
import { failMessage } from './failure';
import { shortStatus } from './status';

type ValidateNodeDef = NodeDef & ValidateNodeSettings & {
  wires?: string[][];
  server?: string;
  spoolDir?: string;
  sidecar?: string;
  sidecarType?: string;
  manifestProperty?: string;
  manifestPropertyType?: string;
};

type ValidateMessage = NodeMessageInFlow & {
  filename?: unknown;
  filebridge?: Record<string, unknown> & { source?: Record<string, unknown>; fields?: Record<string, unknown> };
};

function register(RED: NodeAPI): void {
  function evaluate(node: Node, value: string | undefined, type: string | undefined, msg: ValidateMessage): Promise<unknown> {
    if (!value) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      RED.util.evaluateNodeProperty(value, type || 'msg', node, msg, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result)));
    });
  }

  /** Side-car and manifest reads through the server the file came from (or the node's own server). */
  function remoteFor(serverId: string | undefined): RemoteFiles | undefined {
    if (!serverId) return undefined;
    const server = RED.nodes.getNode(serverId) as ServerNode | null;
    const unusable = (): FileBridgeError => !server
      ? new FileBridgeError('INVALID_INPUT', `The server configuration ${serverId} named in msg.filebridge.source.server does not exist in this Node-RED: side-cars and manifests cannot be read.`)
      : server.configError ?? new FileBridgeError('CONNECTION', 'The server configuration is stopping (redeploy in progress).');
    if (!server || server.configError || !server.pool) {
      return { read: () => Promise.reject(unusable()), names: () => Promise.reject(unusable()) };
    }
    return poolFiles(server.pool);
  }

  function FileBridgeValidate(this: Node, def: ValidateNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let rules: RuleSet | undefined;
    let configError: FileBridgeError | undefined;
    try {
      rules = parseRules(settingsFromNode(def));
    } catch (err) {
      configError = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', String(err));
      node.status({ fill: 'red', shape: 'ring', text: 'rule settings: INVALID_INPUT' });
      node.error(`Rule settings are not usable: ${configError.message}`);
    }
    const wired = [0, 1].map((i) => (def.wires?.[i] ?? []).length > 0);
    let valid = 0;
    let invalid = 0;
    // Streams of temp copies handed on: on redeploy those nobody started reading are closed, so no
    // copy outlives the flow; one being read (an upload in progress) is left to finish.
    const pending = new Set<Readable>();
    let closed = false;

    node.on('input', (msg: ValidateMessage, send, done) => {
      void (async () => {
        if (configError || !rules) throw configError ?? new FileBridgeError('INVALID_INPUT', 'Rule settings are not usable.');
        const source = msg.filebridge?.source ?? {};
        const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
        const name = str(msg.filename) ? remoteBasename(String(msg.filename).replace(/\\/g, '/')) : str(source.name);
        if (!name) throw new FileBridgeError('INVALID_INPUT', 'The file has no name: set msg.filename (the watch and remote nodes do), since the rules check names, extensions and types.');
        node.status({ fill: 'blue', shape: 'dot', text: shortStatus(`validating ${name}`) });
        const sourcePath = str(source.path);
        const claimPath = str(source.claimPath);
        const outcome = await validateFile(msg.payload, rules, {
          name,
          sourceName: str(source.name),
          folder: sourcePath ? remoteDirname(sourcePath) : undefined,
          claimFolder: claimPath ? remoteDirname(claimPath) : undefined,
          sha256: str(source.sha256),
          size: msg.payload instanceof Readable && typeof source.size === 'number' ? source.size : undefined,
          remote: remoteFor(str(source.server) ?? str(def.server)),
          sidecar: rules.checksum?.source === 'message' ? await evaluate(node, def.sidecar || 'filebridge.sidecar', def.sidecarType, msg) : undefined,
          manifest: rules.manifest?.source === 'message' ? await evaluate(node, def.manifestProperty || 'filebridge.manifest', def.manifestPropertyType, msg) : undefined,
        }, { spoolDir: str(def.spoolDir) });
        msg.payload = outcome.payload;
        const filebridge = { ...(msg.filebridge ?? {}) };
        filebridge.validation = outcome.result;
        if (Object.keys(outcome.fields).length > 0) filebridge.fields = { ...(filebridge.fields ?? {}), ...outcome.fields };
        if (outcome.sha256 && msg.filebridge?.source && !msg.filebridge.source.sha256) filebridge.source = { ...msg.filebridge.source, sha256: outcome.sha256 };
        msg.filebridge = filebridge;
        const port = outcome.result.valid ? 0 : 1;
        if (outcome.result.valid) valid++;
        else invalid++;
        node.status({ fill: port === 1 ? 'yellow' : 'green', shape: 'dot', text: `valid: ${valid}, invalid: ${invalid}` });
        if (outcome.payload instanceof Readable) {
          const stream = outcome.payload;
          if (closed) {
            // The flow stopped while this file was checked: nobody is left to read the copy. The source
            // file stays claimed, so the watch hands it out again; nothing is lost.
            stream.destroy();
            done();
            return;
          }
          if (!wired[port]) {
            // Nobody will read it: release the temp copy now.
            stream.destroy();
          } else {
            pending.add(stream);
            stream.once('close', () => pending.delete(stream));
          }
        }
        send(port === 0 ? [msg, null] : [null, msg]);
        done();
      })().catch((err: unknown) => failMessage(node, msg, err, done));
    });

    node.on('close', (done: () => void) => {
      closed = true;
      for (const stream of pending) {
        if (stream.readableFlowing === null && stream.listenerCount('data') === 0 && stream.listenerCount('readable') === 0) stream.destroy();
      }
      pending.clear();
      done();
    });
  }

  RED.nodes.registerType('filebridge-validate', FileBridgeValidate);
}

export = register;
