import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../core/errors';
import { Ledger, type KeyValueStore } from '../core/pipeline/ledger';
import { sourceBuffer, sourceStream } from '../core/pipeline/source-stream';
import type { SourceFacts } from '../core/pipeline/source';
import { watchSettingsFromConfig, type WatchConfigFields } from '../core/pipeline/watch-config';
import { Watcher, type ClaimedFile } from '../core/pipeline/watcher';
import { buildReport } from '../core/pipeline/quarantine-report';
import { putFile } from '../core/remote/operations';
import type { ServerNode } from './server-node';
import type { WatchNode } from './watch-node';

type WatchNodeDef = NodeDef & WatchConfigFields & {
  server: string;
  intervalSeconds: string | number;
  output: 'stream' | 'buffer' | 'auto';
  maxBufferMB: string | number;
  sha256: boolean;
  ledger: boolean;
  ledgerStore: string;
  ledgerDays: string | number;
};

/** The callback forms of the context API, which every context store (file, Redis...) supports. */
interface CallbackContext {
  get(key: string, store: string | undefined, cb: (err: Error | null, value: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err: Error | null) => void): void;
  keys(store: string | undefined, cb: (err: Error | null, keys: string[]) => void): void;
}

function contextStore(context: CallbackContext, store: string | undefined): KeyValueStore {
  return {
    get: (key) => new Promise((resolve, reject) => context.get(key, store, (err, value) => (err ? reject(err) : resolve(value)))),
    set: (key, value) => new Promise((resolve, reject) => context.set(key, value, store, (err) => (err ? reject(err) : resolve()))),
    keys: () => new Promise((resolve, reject) => context.keys(store, (err, keys) => (err ? reject(err) : resolve(keys ?? [])))),
  };
}

function register(RED: NodeAPI): void {
  function FileBridgeWatch(this: Node, def: WatchNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this as WatchNode;
    const server = RED.nodes.getNode(def.server) as ServerNode | null;
    const fail = (text: string): void => node.status({ fill: 'red', shape: 'ring', text });
    if (!server) return fail('no server configured');
    if (server.configError || !server.pool || !server.endpoint) return fail(server.configError?.code ?? 'server unusable');
    const pool = server.pool;
    const endpoint = server.endpoint;

    let settings;
    try {
      settings = watchSettingsFromConfig(def);
    } catch (err) {
      node.error(err instanceof Error ? err.message : String(err));
      return fail('INVALID_INPUT');
    }
    const intervalMs = Math.max(100, Math.round((Number(def.intervalSeconds) || 10) * 1000));
    const output = def.output || 'stream';
    // 0 is a real setting (never a Buffer); only an empty field means the default of 1 MB.
    const bufferMb = def.maxBufferMB === '' || def.maxBufferMB === undefined || !Number.isFinite(Number(def.maxBufferMB)) ? 1 : Math.max(0, Number(def.maxBufferMB));
    const maxBufferBytes = Math.round(bufferMb * 1024 * 1024);
    const storeName = def.ledgerStore ? def.ledgerStore : undefined;
    if (def.ledger !== false) {
      // Global scope and a prefix per server folder: every watch of that folder (and, with a shared
      // store such as Redis, every runtime) sees what was processed.
      node.ledger = new Ledger(
        contextStore(node.context().global as unknown as CallbackContext, storeName),
        Ledger.prefixFor(endpoint.host, endpoint.port, settings.folder),
        Math.round((Number(def.ledgerDays) || 30) * 86_400_000),
      );
    }
    let lastError: FileBridgeError | undefined;

    const showStatus = (): void => {
      if (lastError) return node.status({ fill: 'red', shape: 'ring', text: `${lastError.code} (${watcher.slots.size} in flight)` });
      const n = watcher.slots.size;
      node.status(n > 0
        ? { fill: 'blue', shape: 'dot', text: `${n} in flight${watcher.slots.full ? ' (max)' : ''}` }
        : { fill: 'green', shape: watcher.polling ? 'ring' : 'dot', text: watcher.polling ? 'polling' : 'watching' });
    };

    const sourceOf = (file: ClaimedFile): SourceFacts => ({
      server: def.server, watch: node.id, protocol: endpoint.protocol, host: endpoint.host, port: endpoint.port,
      folder: settings.folder, path: file.path, relativePath: file.relativePath, name: file.name, claimPath: file.claimPath,
      size: file.size, mtime: file.mtime.toISOString(), claimedAt: file.claimedAt.toISOString(), attempt: file.attempt,
    });
    /*
     * Streams of files in flight. A Catch node gets a clone, so a stream a failing node left half
     * read would keep its pooled connection forever; ack and quarantine free the slot, and then
     * whatever is left of the stream is closed here.
     */
    const openStreams = new Map<string, Readable>();
    let closed = false;
    const emit = async (file: ClaimedFile): Promise<void> => {
      if (closed) throw new FileBridgeError('CONNECTION', `The watch stopped before ${file.path} could be sent; it stays claimed until lease recovery.`);
      const source = sourceOf(file);
      const read = { expectedSize: file.size, onSha256: def.sha256 !== false ? (hex: string) => { source.sha256 = hex; } : undefined };
      const asBuffer = output === 'buffer' || (output === 'auto' && file.size <= maxBufferBytes);
      if (output === 'buffer' && file.size > maxBufferBytes) {
        throw new FileBridgeError('INVALID_INPUT', `${file.path} has ${file.size} bytes, above the ${maxBufferBytes}-byte Buffer limit; it stays claimed. Choose stream output or raise the limit.`);
      }
      const payload = asBuffer ? await sourceBuffer(pool, file.claimPath, read) : sourceStream(pool, file.claimPath, read);
      if (payload instanceof Readable) {
        openStreams.set(file.correlationId, payload);
        payload.once('close', () => openStreams.delete(file.correlationId));
      }
      if (closed) throw new FileBridgeError('CONNECTION', `The watch stopped before ${file.path} could be sent; it stays claimed until lease recovery.`);
      lastError = undefined;
      node.send({
        _msgid: RED.util.generateId(),
        payload,
        filename: file.name,
        topic: file.relativePath,
        filebridge: { correlationId: file.correlationId, source },
      } as unknown as NodeMessageInFlow);
      showStatus();
    };

    const watcher = new Watcher(settings, {
      pool,
      ledger: node.ledger,
      emit,
      onTimeout: (file) => {
        node.warn(`${file.path} was not acked or quarantined within the in-flight timeout; its slot is free and it stays claimed as ${file.claimPath} until lease recovery re-emits it.`);
        showStatus();
      },
      onGiveUp: async (file, failedPath) => {
        const message = `Given up after ${file.attempt} deliveries that were neither acked nor quarantined within the lease (a stopped runtime, or a flow that loses the message). Check the flow, then put the file back to re-submit it.`;
        const report = buildReport(sourceOf(file), { message, code: 'TIMEOUT' }, failedPath, new Date(), true, file.correlationId);
        await putFile(pool, `${failedPath}.error.json`, Buffer.from(JSON.stringify(report, null, 2)), { conflict: 'overwrite', createFolders: true, atomic: true, verifySize: true });
        node.warn(`${file.path}: ${message} Moved to ${failedPath}.`);
      },
      onPoll: () => {
        lastError = undefined;
      },
      onError: (err) => {
        // Once per distinct failure: a server that is down must not flood the log every poll.
        if (lastError?.message !== err.message) node.warn(`Polling ${settings.folder} failed: ${err.message}`);
        lastError = err;
        showStatus();
      },
    });
    node.closeStream = (correlationId: string): void => {
      openStreams.get(correlationId)?.destroy();
    };
    node.releaseFile = (correlationId: string): boolean => {
      openStreams.get(correlationId)?.destroy();
      const released = watcher.release(correlationId);
      showStatus();
      return released;
    };

    const poll = (): void => {
      const running = watcher.trigger();
      showStatus();
      void running.then(showStatus);
    };
    const timer = setInterval(poll, intervalMs);
    const first = setTimeout(poll, 50);
    const sweep = setInterval(() => void node.ledger?.sweep().catch(() => undefined), 3_600_000);
    sweep.unref();
    void node.ledger?.sweep().catch((err: unknown) => node.warn(`Ledger store "${storeName ?? 'default'}" is unusable: ${String(err)}`));

    node.on('input', (_msg, _send, done) => {
      poll();
      done();
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(timer);
      clearTimeout(first);
      clearInterval(sweep);
      watcher.close();
      for (const stream of openStreams.values()) stream.destroy();
      node.releaseFile = undefined;
      node.closeStream = undefined;
      done();
    });
  }

  RED.nodes.registerType('filebridge-watch', FileBridgeWatch);
}

export = register;
