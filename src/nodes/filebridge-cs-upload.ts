import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { FileBridgeError, errorMessage } from '../core/errors';
import type { CategoryInput, CollisionPolicy, ContentServerClient } from '../core/content-server';

/** A deployed `filebridge-cs-connection` config node as this node sees it. */
type CsConnectionNode = Node & { client?: ContentServerClient; configError?: FileBridgeError };

const COLLISIONS: readonly CollisionPolicy[] = ['add-version', 'skip-identical', 'rename', 'fail'];

type UploadNodeDef = NodeDef & {
  connection: string;
  folder: string;
  createFolders: boolean;
  collision: CollisionPolicy;
  categories: string;
};

type UploadMessage = NodeMessageInFlow & {
  filename?: unknown;
  filebridge?: Record<string, unknown>;
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Readable);
}

/** The node's categories text: empty = none; otherwise a JSON object by category and attribute name. */
function parseCategoriesText(text: string | undefined): CategoryInput | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FileBridgeError('INVALID_INPUT', `The node's categories are not valid JSON: ${errorMessage(err)}`);
  }
  if (!isPlainObject(parsed)) throw new FileBridgeError('INVALID_INPUT', 'The node\'s categories must be a JSON object, e.g. {"Invoice": {"Vendor": "ACME"}}');
  return parsed;
}

/**
 * The content as the client takes it: a factory called once per attempt. Buffers and texts can be
 * sent again; a stream can be read once, so a second call (a retry after part of it was sent, or a
 * content comparison before the write) fails with a clear error instead of sending an empty file.
 */
function contentSource(payload: unknown): { open: () => Readable; size?: number; stream: boolean } {
  if (Buffer.isBuffer(payload) || typeof payload === 'string') {
    const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
    return { open: () => Readable.from([data]), size: data.length, stream: false };
  }
  if (payload instanceof Readable) {
    let used = false;
    return {
      stream: true,
      open: () => {
        if (used) {
          throw new FileBridgeError('INVALID_INPUT', 'The upload had to be sent again (a retry or re-login), but msg.payload is a stream and was already read: send a Buffer to have failed uploads retried');
        }
        used = true;
        return payload;
      },
    };
  }
  throw new FileBridgeError('INVALID_INPUT', `msg.payload must be a Buffer, a string or a readable stream, got ${payload === null ? 'null' : typeof payload}`);
}

function targetPath(folder: string | number, name: string): string {
  const f = String(folder).trim().replace(/\/+$/, '');
  return f.includes(':') ? `${f}/${name}` : `${f}:${name}`;
}

function register(RED: NodeAPI): void {
  function FileBridgeCsUpload(this: Node, def: UploadNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = RED.nodes.getNode(def.connection) as CsConnectionNode | null;
    if (!connection) node.status({ fill: 'red', shape: 'ring', text: 'no connection configured' });
    else if (connection.configError) node.status({ fill: 'red', shape: 'ring', text: connection.configError.code });

    node.on('input', (msg: UploadMessage, send, done) => {
      void (async () => {
        if (!connection) throw new FileBridgeError('INVALID_INPUT', 'No Content Server connection is selected: open the node and choose one.');
        if (connection.configError) throw connection.configError;
        if (!connection.client) throw new FileBridgeError('CONNECTION', 'The Content Server connection is stopping (redeploy in progress).');
        const given = msg.filebridge?.target;
        if (given !== undefined && !isPlainObject(given)) throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.target must be an object such as { folder, name, categories, collision }');
        const target = (given ?? {}) as Record<string, unknown>;

        const folder = target.folder !== undefined ? target.folder : def.folder;
        if ((typeof folder !== 'string' || folder.trim() === '') && typeof folder !== 'number') {
          throw new FileBridgeError('INVALID_INPUT', 'No target folder: set "Folder" on the node or msg.filebridge.target.folder (e.g. Enterprise:Inbound/2026 or a node id)');
        }
        const name = target.name !== undefined ? target.name : typeof msg.filename === 'string' && msg.filename !== '' ? basename(msg.filename.replace(/\\/g, '/')) : undefined;
        if (typeof name !== 'string' || name.trim() === '') {
          throw new FileBridgeError('INVALID_INPUT', 'No document name: set msg.filename or msg.filebridge.target.name');
        }
        const collision = target.collision !== undefined ? target.collision : def.collision || 'add-version';
        if (!COLLISIONS.includes(collision as CollisionPolicy)) {
          throw new FileBridgeError('INVALID_INPUT', `Unknown collision policy '${String(collision)}': use ${COLLISIONS.join(', ')}`);
        }
        let categories: CategoryInput | undefined;
        if (target.categories !== undefined) {
          if (!isPlainObject(target.categories)) throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.target.categories must be an object by category and attribute name');
          categories = target.categories;
        } else {
          categories = parseCategoriesText(def.categories);
        }
        const source = contentSource(msg.payload);
        if (source.stream && collision === 'skip-identical') {
          // Comparing would read the stream before the write could send it.
          throw new FileBridgeError('INVALID_INPUT', 'skip-identical compares contents before writing, which a stream payload (readable once) cannot do: send a Buffer or use another collision policy');
        }

        node.status({ fill: 'blue', shape: 'dot', text: `uploading ${name}`.slice(0, 40) });
        const result = await connection.client.upload({
          target: folder,
          name,
          filename: name,
          open: source.open,
          size: source.size,
          collision: collision as CollisionPolicy,
          createFolders: def.createFolders !== false,
          categories,
        });
        const action = result.action === 'created' && collision === 'rename' && result.name !== name ? 'renamed' : result.action;
        msg.filebridge = {
          ...(msg.filebridge ?? {}),
          cs: { id: result.id, version: result.version, name: result.name, folderId: result.parentId, path: targetPath(folder, result.name), action },
        };
        node.status({ fill: 'green', shape: 'dot', text: `${action}: ${result.name}`.slice(0, 40) });
        send(msg);
        done();
      })().catch((err: unknown) => {
        const error = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', errorMessage(err), {}, { cause: err });
        // A stream left in the message would be deep-cloned for the Catch node; it is of no use there.
        if (msg.payload instanceof Readable) {
          msg.payload.destroy();
          delete msg.payload;
        }
        node.status({ fill: 'red', shape: 'ring', text: error.code });
        done(error);
      });
    });
  }

  RED.nodes.registerType('filebridge-cs-upload', FileBridgeCsUpload);
}

export = register;
