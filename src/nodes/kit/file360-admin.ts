/**
 * The admin endpoints of a `filebridge-server` with protocol "file360": the dialog's "Test
 * connection" (the signed-in user and the root folder) and the folder picker (folders by name, for
 * the server dialog and for the folder fields of the nodes using a File 360 server). Like the
 * server's own test endpoint they need write permission and never answer with a secret. Stored
 * secrets (client secret, password) are reused only by a deployed filebridge-server whose
 * `file360SecretScope` (API URL, SSO URL, client id, user) is the one the dialog sends now.
 */
import type { NodeAPI } from 'node-red';
import type { Request, RequestHandler, Response } from 'express';
import { FileBridgeError } from '../../core/errors';
import { File360Client, openFile360Client } from '../../core/file360/client';
import { File360Session, file360PathParts } from '../../core/file360/session';
import { file360OptionsFromConfig, file360SecretScope, type File360ConfigFields, type ResolvedFile360Options } from '../../core/remote/file360-config';
import type { RemoteEntry } from '../../core/remote/types';
import { secretsFromDialog } from './credentials';
import type { ServerNode } from './server';

const TYPE = 'filebridge-server';
/** Entries a test or picker shows of one folder: enough to find a folder by eye. */
const BROWSE_LIMIT = 500;
const TEST_ENTRIES = 50;
const SECRETS = ['clientSecret', 'password'] as const;
const LABELS = { clientSecret: 'client secret', password: 'password' } as const;

type DialogBody = File360ConfigFields & { id?: unknown; folder?: unknown; credentials?: Partial<Record<(typeof SECRETS)[number], unknown>> };

export type File360Test = (req: Request, res: Response) => void;

function fail(res: Response, err: unknown): void {
  const e = err instanceof FileBridgeError ? err : new FileBridgeError('CONNECTION', 'Could not reach File 360.');
  res.json({ ok: false, protocol: 'file360', error: { code: e.code, message: e.message } });
}

/** A folder path as the session takes it: '/' for the root, else `/A/B`; refused when a part is not a name. */
function folderOf(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  return `/${file360PathParts(text).join('/')}`;
}

function hostOf(apiUrl: string): string {
  try {
    return new URL(apiUrl).host;
  } catch {
    return apiUrl;
  }
}

/** Folders first, then by name. */
function sorted(entries: RemoteEntry[]): RemoteEntry[] {
  return entries
    .filter((e) => e.type === 'directory' || e.type === 'file')
    .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'directory' ? -1 : 1));
}

/** Registers the File 360 endpoints; returns the File 360 branch of the server's "Test connection". */
export function registerFile360Admin(RED: NodeAPI, canEdit: RequestHandler): File360Test {
  /**
   * The settings the dialog sent, with the secrets they may use: typed ones, else the ones stored
   * for this node id when it is a deployed filebridge-server with this same scope (secretsFromDialog).
   * Short retries: someone waits at the dialog.
   */
  function optionsFromDialog(body: DialogBody): ResolvedFile360Options {
    const secrets = secretsFromDialog(
      RED,
      {
        id: typeof body.id === 'string' ? body.id : undefined,
        type: TYPE,
        scope: file360SecretScope(body),
        settings: 'API URL, SSO URL, client id and user',
        labels: LABELS,
      },
      body.credentials,
      SECRETS,
    );
    const options = file360OptionsFromConfig(body, secrets);
    options.file360.maxRetries = 1;
    options.file360.maxRateLimitedRetries = 2;
    options.file360.retryMaxMs = 2000;
    return options;
  }

  /**
   * The client a request may use: one made from the dialog's settings when it sends them (protocol
   * file360), closed after; else (a node's folder field) the deployed configuration's own client.
   */
  function clientFor(body: DialogBody): { client: File360Client; owned: boolean } {
    if (body.protocol === 'file360') return { client: openFile360Client(optionsFromDialog(body).file360), owned: true };
    const id = typeof body.id === 'string' ? body.id : '';
    const deployed = id ? (RED.nodes.getNode(id) as ServerNode | null) : null;
    if (!deployed || deployed.type !== TYPE || deployed.protocol !== 'file360') {
      throw new FileBridgeError(
        'INVALID_INPUT',
        'Pick a File 360 server configuration and deploy it first: the folder picker browses through the deployed one.',
      );
    }
    if (deployed.configError) throw deployed.configError;
    if (!deployed.file360) throw new FileBridgeError('CONNECTION', 'The File 360 configuration is stopping (redeploy in progress): try again.');
    return { client: deployed.file360, owned: false };
  }

  /** "Test connection": signs in, reads the user and the root folder, lists the folder asked (root by default). */
  function test(req: Request, res: Response): void {
    const body = (req.body ?? {}) as DialogBody;
    let options: ResolvedFile360Options;
    let folder: string;
    try {
      options = optionsFromDialog(body);
      folder = folderOf(body.folder);
    } catch (err) {
      fail(res, err);
      return;
    }
    const server = hostOf(options.file360.apiUrl);
    void (async () => {
      const client = openFile360Client(options.file360);
      const session = new File360Session(client, true);
      try {
        const me = await client.me();
        const entries = sorted(await session.list(folder));
        res.json({
          ok: true,
          protocol: 'file360',
          server,
          account: { name: me.displayName ?? me.email ?? me.id },
          user: { id: me.id, name: me.displayName, email: me.email },
          root: { id: me.rootId },
          folder,
          entries: entries.slice(0, TEST_ENTRIES).map((e) => ({ name: e.name, type: e.type, size: e.size })),
          truncated: entries.length > TEST_ENTRIES,
        });
      } catch (err) {
        fail(res, err);
      } finally {
        await session.close();
      }
    })();
  }

  /*
   * Folder picker: one folder (by path below the user's root), its parent and its children (folders
   * to open, documents shown for orientation). Ids are the paths, so "Select" gives a path.
   */
  RED.httpAdmin.post('/filebridge/server/file360/browse', canEdit, (req: Request, res: Response) => {
    const body = (req.body ?? {}) as DialogBody;
    let folder: string;
    let using: { client: File360Client; owned: boolean };
    try {
      folder = folderOf(body.folder);
      using = clientFor(body);
    } catch (err) {
      fail(res, err);
      return;
    }
    void (async () => {
      const session = new File360Session(using.client, using.owned);
      try {
        const entries = sorted(await session.list(folder));
        const parts = file360PathParts(folder);
        res.json({
          ok: true,
          folder: { id: folder, path: folder },
          parent: parts.length === 0 ? undefined : { id: `/${parts.slice(0, -1).join('/')}` },
          children: entries
            .slice(0, BROWSE_LIMIT)
            .map((e) => ({ id: `${folder === '/' ? '' : folder}/${e.name}`, name: e.name, container: e.type === 'directory' })),
          truncated: entries.length > BROWSE_LIMIT,
        });
      } catch (err) {
        fail(res, err);
      } finally {
        await session.close();
      }
    })();
  });

  return test;
}
