import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../core/errors';
import { lastPathPart, remoteDirname } from '../core/paths';
import { ruleSettingsFromConfig, type ValidateConfigFields } from '../core/validate/validate-config';
import { parseRules, type RuleSet } from '../core/validate/rules';
import { poolFiles } from '../core/validate/remote-files';
import { validateFile, type RemoteFiles } from '../core/validate/validator';
import { receivedFacts, withFacts, type FileBridgeFacts, type FileBridgeMessage } from '../core/message';
import { evaluateProperty } from './kit/evaluate';
import { failMessage } from './kit/failure';
import { usableServer } from './kit/server';
import { shortStatus } from './kit/status';

type ValidateNodeDef = NodeDef &
  ValidateConfigFields & {
    wires?: string[][];
    server?: string;
    spoolDir?: string;
    sidecar?: string;
    sidecarType?: string;
    manifestProperty?: string;
    manifestPropertyType?: string;
  };

type ValidateMessage = NodeMessageInFlow & FileBridgeMessage;

function register(RED: NodeAPI): void {
  /** Side-car and manifest reads through the server the file came from (or the node's own server). */
  function remoteFor(serverId: string | undefined): RemoteFiles | undefined {
    if (!serverId) return undefined;
    try {
      return poolFiles(
        usableServer(
          RED,
          serverId,
          `The server configuration ${serverId} named in msg.filebridge.source.server does not exist in this Node-RED: side-cars and manifests cannot be read.`,
        ).pool,
      );
    } catch (err) {
      // Only a rule that reads the server fails for it: a name or content check still runs.
      return { read: () => Promise.reject(err), names: () => Promise.reject(err) };
    }
  }

  function FileBridgeValidate(this: Node, def: ValidateNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let rules: RuleSet | undefined;
    let configError: FileBridgeError | undefined;
    try {
      rules = parseRules(ruleSettingsFromConfig(def));
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
        const fb = receivedFacts(msg);
        const source: Record<string, unknown> = typeof fb.source === 'object' && fb.source !== null ? { ...fb.source } : {};
        const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
        // A backslash is part of a POSIX name (`a\b.pdf` on sshd): only a Windows path (`C:\in\x.pdf`) splits at it.
        const name = str(msg.filename) ? lastPathPart(String(msg.filename)) : str(source.name);
        if (!name)
          throw new FileBridgeError(
            'INVALID_INPUT',
            'The file has no name: set msg.filename (the watch and remote nodes do), since the rules check names, extensions and types.',
          );
        node.status({ fill: 'blue', shape: 'dot', text: shortStatus(`validating ${name}`) });
        const sourcePath = str(source.path);
        const claimPath = str(source.claimPath);
        const outcome = await validateFile(
          msg.payload,
          rules,
          {
            name,
            sourceName: str(source.name),
            folder: sourcePath ? remoteDirname(sourcePath) : undefined,
            claimFolder: claimPath ? remoteDirname(claimPath) : undefined,
            sha256: str(source.sha256),
            size: msg.payload instanceof Readable && typeof source.size === 'number' ? source.size : undefined,
            remote: remoteFor(str(source.server) ?? str(def.server)),
            sidecar:
              rules.checksum?.source === 'message'
                ? await evaluateProperty(RED, node, msg, def.sidecar || 'filebridge.sidecar', def.sidecarType || 'msg')
                : undefined,
            manifest:
              rules.manifest?.source === 'message'
                ? await evaluateProperty(RED, node, msg, def.manifestProperty || 'filebridge.manifest', def.manifestPropertyType || 'msg')
                : undefined,
          },
          { spoolDir: str(def.spoolDir) },
        );
        msg.payload = outcome.payload;
        const facts: FileBridgeFacts = { validation: outcome.result };
        const fields = typeof fb.fields === 'object' && fb.fields !== null ? fb.fields : {};
        if (Object.keys(outcome.fields).length > 0) facts.fields = { ...fields, ...outcome.fields };
        msg.filebridge = withFacts(msg, facts);
        // A source built by the flow (no watch) gets the checksum too: it is added to whatever is there.
        const given = fb.source;
        if (outcome.sha256 && typeof given === 'object' && given !== null && !(given as { sha256?: unknown }).sha256) {
          msg.filebridge = { ...msg.filebridge, source: { ...given, sha256: outcome.sha256 } };
        }
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
