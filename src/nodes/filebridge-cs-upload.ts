import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import type { CollisionPolicy } from '../core/content-server';
import { performUpload, prepareUpload, type ReopenableSource } from '../core/content-server/upload-request';
import { progressText } from '../core/progress';
import { reopenerFor } from './source-reopen';
import { failMessage } from './failure';
import { csClientOf, csConnectionOf } from './cs-connection-node';
import { shortStatus } from './status';

/** A deployed `filebridge-cs-connection` config node as this node sees it. */

type UploadNodeDef = NodeDef & {
  connection: string;
  folder: string;
  createFolders: boolean;
  collision: CollisionPolicy;
  categories: string;
  classification?: string;
  holds?: string;
  permissions?: string;
  workflow?: string;
};

type UploadMessage = NodeMessageInFlow & {
  filename?: unknown;
  filebridge?: Record<string, unknown>;
};

function register(RED: NodeAPI): void {
  /**
   * Where a stream payload came from: its size as the watch listed it, and a way to open the
   * claimed file again on its server, so an attempt that failed half-way can be sent again.
   */
  function originOf(source: unknown): ReopenableSource {
    if (typeof source !== 'object' || source === null) return {};
    const size = (source as { size?: unknown }).size;
    return {
      size: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined,
      reopen: reopenerFor(RED, source),
    };
  }

  function FileBridgeCsUpload(this: Node, def: UploadNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = csConnectionOf(RED, node, def.connection);

    node.on('input', (msg: UploadMessage, send, done) => {
      void (async () => {
        const client = csClientOf(connection);
        const upload = prepareUpload(
          {
            folder: def.folder,
            createFolders: def.createFolders !== false,
            collision: def.collision,
            categories: def.categories,
            classification: def.classification,
            holds: def.holds,
            permissions: def.permissions,
            workflow: def.workflow,
          },
          msg.payload, msg.filename, msg.filebridge?.target, originOf(msg.filebridge?.source),
        );
        node.status({ fill: 'blue', shape: 'dot', text: shortStatus(`uploading ${upload.name}`) });
        // Big files take minutes: show how far they are, at most once a second.
        let shown = 0;
        const onProgress = (sent: number): void => {
          const now = Date.now();
          if (now - shown < 1000) return;
          shown = now;
          node.status({ fill: 'blue', shape: 'dot', text: progressText(upload.name, sent, upload.size) });
        };
        const outcome = await performUpload(client, upload, onProgress);
        msg.filebridge = { ...(msg.filebridge ?? {}), cs: outcome };
        node.status({ fill: 'green', shape: 'dot', text: shortStatus(`${outcome.action}: ${outcome.name}`) });
        send(msg);
        done();
      })().catch((err: unknown) => failMessage(node, msg, err, done));
    });
  }

  RED.nodes.registerType('filebridge-cs-upload', FileBridgeCsUpload);
}

export = register;
