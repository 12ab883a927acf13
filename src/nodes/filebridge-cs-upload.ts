import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { FileBridgeError } from '../core/errors';
import type { CollisionPolicy, ContentServerClient } from '../core/content-server';
import { prepareUpload, uploadOutcome } from '../core/content-server/upload-request';
import { failMessage } from './failure';

/** A deployed `filebridge-cs-connection` config node as this node sees it. */
type CsConnectionNode = Node & { client?: ContentServerClient; configError?: FileBridgeError };

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
        const upload = prepareUpload(
          { folder: def.folder, createFolders: def.createFolders !== false, collision: def.collision, categories: def.categories },
          msg.payload, msg.filename, msg.filebridge?.target,
        );
        node.status({ fill: 'blue', shape: 'dot', text: `uploading ${upload.name}`.slice(0, 40) });
        const result = await connection.client.upload({
          target: upload.folder,
          name: upload.name,
          filename: upload.name,
          open: upload.open,
          size: upload.size,
          collision: upload.collision,
          createFolders: upload.createFolders,
          categories: upload.categories,
        });
        const outcome = uploadOutcome(upload, result);
        msg.filebridge = { ...(msg.filebridge ?? {}), cs: outcome };
        node.status({ fill: 'green', shape: 'dot', text: `${outcome.action}: ${outcome.name}`.slice(0, 40) });
        send(msg);
        done();
      })().catch((err: unknown) => failMessage(node, msg, err, done));
    });
  }

  RED.nodes.registerType('filebridge-cs-upload', FileBridgeCsUpload);
}

export = register;
