/**
 * The admin endpoints of a `filebridge-server` with protocol "dropbox": the editor's "Connect to
 * Dropbox" (PKCE sign-in), "Test connection" and the folder picker. Like the server's own test
 * endpoint they need write permission (they act with a stored sign-in) and never answer with a
 * secret: the refresh token goes from Dropbox into the node's credentials and stays in the runtime.
 */
import type { NodeAPI } from 'node-red';
import type { Request, RequestHandler, Response } from 'express';
import { FileBridgeError } from '../../core/errors';
import { dropboxAuthorizeUrl, exchangeDropboxCode, openDropboxSession, pkcePair, testDropboxConnection } from '../../core/dropbox';
import {
  appKeyOf,
  dropboxOptionsFromConfig,
  dropboxSecretScope,
  normaliseServiceUrl,
  parseStoredRefreshToken,
  scopedRefreshToken,
  type DropboxConfigFields,
  type ResolvedDropboxOptions,
} from '../../core/remote/dropbox-config';
import { PendingSignIns } from '../../core/remote/pending-sign-ins';
import type { RemoteEntry } from '../../core/remote/types';
import { UNCHANGED_SECRET, type SecretScoped } from './credentials';

const TYPE = 'filebridge-server';
/** Entries a picker shows of one folder: enough to find a folder by eye. */
const BROWSE_LIMIT = 500;

interface SignIn {
  id: string;
  appKey: string;
  serviceUrl: string;
  verifier: string;
}

/** The Dropbox branch of the server's "Test connection" endpoint. */
export type DropboxTest = (req: Request, res: Response) => void;

type DialogBody = DropboxConfigFields & { id?: unknown; folder?: unknown; credentials?: { refreshToken?: unknown } };

function fail(res: Response, err: unknown): void {
  const e = err instanceof FileBridgeError ? err : new FileBridgeError('CONNECTION', String(err));
  res.json({ ok: false, error: { code: e.code, message: e.message } });
}

function idOf(body: { id?: unknown }): string {
  if (typeof body.id !== 'string' || body.id === '' || body.id === '_ADD_') {
    throw new FileBridgeError('INVALID_INPUT', 'No configuration id was sent: open the Dropbox configuration from a flow and try again.');
  }
  return body.id;
}

/** A Dropbox folder path as the client takes it: '' for the top folder, else '/a/b' without a trailing slash. */
function folderOf(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '' || text === '/' || text === '.') return '';
  return ('/' + text.replace(/^\/+/, '')).replace(/\/+$/, '');
}

/** Registers the Dropbox endpoints; returns the Dropbox branch of the server's "Test connection". */
export function registerDropboxAdmin(RED: NodeAPI, canEdit: RequestHandler): DropboxTest {
  const pending = new PendingSignIns<SignIn>();

  /** The node deployed under `id`, when it is not a filebridge-server (which then lends nothing). */
  function otherType(id: string): boolean {
    const deployed = RED.nodes.getNode(id) as { type?: string } | null;
    return deployed !== null && deployed.type !== TYPE;
  }

  /**
   * The settings the dialog sent, with the sign-in they may use: a refresh token the caller sent
   * itself, else the one stored for this node id, only for the service URL and app key it was made
   * for (a bare one only while the deployed node has these settings).
   */
  function optionsFromDialog(body: DialogBody): ResolvedDropboxOptions {
    const typed = body.credentials?.refreshToken;
    if (typeof typed === 'string' && typed !== '' && typed !== UNCHANGED_SECRET) return dropboxOptionsFromConfig(body, { token: typed }, true);
    const id = typeof body.id === 'string' ? body.id : '';
    if (id === '' || otherType(id)) return dropboxOptionsFromConfig(body, undefined, false);
    const deployed = RED.nodes.getNode(id) as SecretScoped | null;
    const stored = parseStoredRefreshToken((RED.nodes.getCredentials(id) as { refreshToken?: unknown } | undefined)?.refreshToken);
    return dropboxOptionsFromConfig(body, stored, deployed?.secretScope !== undefined && deployed.secretScope === dropboxSecretScope(body));
  }

  /*
   * Step 1 of "Connect to Dropbox": a PKCE pair and the authorize URL. The verifier stays here,
   * under a one-time state the dialog sends back with the code.
   */
  RED.httpAdmin.post('/filebridge/server/dropbox/authorize', canEdit, (req: Request, res: Response) => {
    try {
      const body = (req.body ?? {}) as DialogBody;
      const id = idOf(body);
      if (otherType(id)) throw new FileBridgeError('INVALID_INPUT', `Node ${id} is not a filebridge-server configuration.`);
      const appKey = appKeyOf(body.appKey);
      const serviceUrl = normaliseServiceUrl(body.serviceUrl);
      const pair = pkcePair();
      const state = pending.start({ id, appKey, serviceUrl, verifier: pair.verifier });
      res.json({ ok: true, state, url: dropboxAuthorizeUrl({ appKey, serviceUrl, codeChallenge: pair.challenge }) });
    } catch (err) {
      fail(res, err);
    }
  });

  /*
   * Step 2: the code the user pasted is exchanged for a refresh token, which is kept with this
   * node's credentials bound to the service URL and app key of step 1 (Done and deploy then keep
   * it). The answer holds the account's name only.
   */
  RED.httpAdmin.post('/filebridge/server/dropbox/connect', canEdit, (req: Request, res: Response) => {
    const body = (req.body ?? {}) as { id?: unknown; state?: unknown; code?: unknown };
    let signIn: SignIn | undefined;
    let code: string;
    try {
      const id = idOf(body);
      signIn = pending.take(body.state);
      if (!signIn || signIn.id !== id) {
        throw new FileBridgeError(
          'INVALID_INPUT',
          'This sign-in was already used, has expired or belongs to another configuration: click "Connect to Dropbox" again.',
        );
      }
      code = typeof body.code === 'string' ? body.code.trim() : '';
      if (code === '') throw new FileBridgeError('INVALID_INPUT', 'Paste the code Dropbox showed after you clicked Allow.');
      if (otherType(id)) throw new FileBridgeError('INVALID_INPUT', `Node ${id} is not a filebridge-server configuration.`);
    } catch (err) {
      fail(res, err);
      return;
    }
    const { id, appKey, serviceUrl, verifier } = signIn;
    void (async () => {
      try {
        const { refreshToken, account } = await exchangeDropboxCode({ appKey, serviceUrl, code, codeVerifier: verifier });
        const existing = (RED.nodes.getCredentials(id) ?? {}) as Record<string, unknown>;
        await RED.nodes.addCredentials(id, { ...existing, refreshToken: scopedRefreshToken(refreshToken, dropboxSecretScope({ appKey, serviceUrl })) });
        res.json({ ok: true, account: { name: account.name } });
      } catch (err) {
        fail(res, err);
      }
    })();
  });

  /** "Test connection" of a Dropbox configuration: the account's name and the folder's first entries. */
  function test(req: Request, res: Response): void {
    const body = (req.body ?? {}) as DialogBody;
    let options: ResolvedDropboxOptions;
    try {
      options = optionsFromDialog(body);
    } catch (err) {
      fail(res, err);
      return;
    }
    const server = options.dropbox.serviceUrl || 'Dropbox';
    testDropboxConnection(options.dropbox, folderOf(body.folder)).then(
      (report) =>
        res.json({
          ok: report.ok,
          protocol: 'dropbox',
          server,
          account: report.account ? { name: report.account.name } : undefined,
          folder: report.folder === '' ? '/' : report.folder,
          entries: report.entries,
          truncated: report.truncated,
          error: report.error,
        }),
      (err: unknown) => fail(res, err),
    );
  }

  /* Folder picker: one folder of the account (by path), its parent and its folders and files. */
  RED.httpAdmin.post('/filebridge/server/dropbox/browse', canEdit, (req: Request, res: Response) => {
    const body = (req.body ?? {}) as DialogBody;
    let options: ResolvedDropboxOptions;
    try {
      options = optionsFromDialog(body);
    } catch (err) {
      fail(res, err);
      return;
    }
    const folder = folderOf(body.folder);
    void (async () => {
      let session: Awaited<ReturnType<typeof openDropboxSession>> | undefined;
      try {
        session = await openDropboxSession(options.dropbox);
        const entries: RemoteEntry[] = await session.list(folder);
        const sorted = entries
          .filter((e) => e.type === 'directory' || e.type === 'file')
          .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'directory' ? -1 : 1));
        const parent = folder === '' ? undefined : { id: folder.slice(0, folder.lastIndexOf('/')) };
        res.json({
          ok: true,
          folder: { id: folder, path: folder === '' ? '/' : folder },
          parent,
          children: sorted.slice(0, BROWSE_LIMIT).map((e) => ({ id: `${folder}/${e.name}`, name: e.name, container: e.type === 'directory' })),
          truncated: sorted.length > BROWSE_LIMIT,
        });
      } catch (err) {
        fail(res, err);
      } finally {
        await session?.close().catch(() => undefined);
      }
    })();
  });

  return test;
}
