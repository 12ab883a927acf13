/**
 * An SFTP server that lies in its listings: a test harness playing a malicious or broken peer, for
 * the one thing no real server can be made to do (OpenSSH on a POSIX file system cannot hold a name
 * with "/" or ".."). It serves a small file tree from memory over ssh2's server API, adds the names
 * it is told to the listings of one folder, and records every request that would change something
 * (rename, remove, mkdir, rmdir, open for writing), so a test can prove nothing happened outside
 * the watched folder.
 */
import { posix } from 'node:path';
import { sshHostKey } from './ssh-host-key';
import { Server, utils, type Connection, type SFTPWrapper, type AcceptConnection } from 'ssh2';
import { fakeTree } from './fake-tree';

const { STATUS_CODE, OPEN_MODE } = utils.sftp;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

export interface LyingSftpServer {
  port: number;
  /** Mutating requests as `VERB path [-> path]`, in order. */
  changes: string[];
  files: Map<string, Buffer>;
  folders: Set<string>;
  stop(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1. `files` maps absolute paths to contents (their folders exist);
 * `lies` are extra names listed in `lyingFolder`, each as a file of 3 bytes that exists nowhere.
 */
export async function startLyingSftpServer(files: Record<string, string>, lyingFolder: string, lies: string[]): Promise<LyingSftpServer> {
  const { tree, folders } = fakeTree(files, lyingFolder);
  const changes: string[] = [];
  const now = Math.floor(Date.now() / 1000) - 3600;
  const fileAttrs = (size: number) => ({ mode: S_IFREG | 0o644, uid: 0, gid: 0, size, atime: now, mtime: now });
  const dirAttrs = { mode: S_IFDIR | 0o755, uid: 0, gid: 0, size: 0, atime: now, mtime: now };
  // Paths as the client sends them are relative to the home folder "/".
  const abs = (p: string): string => posix.normalize(posix.join('/', p));

  const serveSftp = (sftp: SFTPWrapper): void => {
    const handles = new Map<number, { path: string; dir?: boolean; listed?: boolean; write?: Buffer[] }>();
    let next = 0;
    const handle = (reqid: number, state: { path: string; dir?: boolean; write?: Buffer[] }): void => {
      const id = next++;
      handles.set(id, state);
      const buf = Buffer.alloc(4);
      buf.writeUInt32BE(id);
      sftp.handle(reqid, buf);
    };
    const stateOf = (buf: Buffer) => handles.get(buf.readUInt32BE(0));
    const attrsOf = (path: string) => (folders.has(path) ? dirAttrs : tree.has(path) ? fileAttrs(tree.get(path)!.length) : undefined);
    const stat = (reqid: number, raw: string): void => {
      const attrs = attrsOf(abs(raw));
      if (attrs) sftp.attrs(reqid, attrs);
      else sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    };
    sftp.on('REALPATH', (reqid, path) => sftp.name(reqid, [{ filename: abs(path), longname: '', attrs: dirAttrs }]));
    sftp.on('STAT', stat);
    sftp.on('LSTAT', stat);
    sftp.on('OPENDIR', (reqid, raw) => {
      const path = abs(raw);
      if (!folders.has(path)) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
      handle(reqid, { path, dir: true });
    });
    sftp.on('READDIR', (reqid, buf) => {
      const state = stateOf(buf);
      if (!state?.dir) return sftp.status(reqid, STATUS_CODE.FAILURE);
      if (state.listed) return sftp.status(reqid, STATUS_CODE.EOF);
      state.listed = true;
      const names: { filename: string; longname: string; attrs: ReturnType<typeof fileAttrs> }[] = [];
      for (const dir of folders) {
        if (dir !== state.path && posix.dirname(dir) === state.path) names.push({ filename: posix.basename(dir), longname: 'd', attrs: dirAttrs });
      }
      for (const [path, data] of tree) {
        if (posix.dirname(path) === state.path) names.push({ filename: posix.basename(path), longname: '-', attrs: fileAttrs(data.length) });
      }
      if (state.path === lyingFolder) for (const lie of lies) names.push({ filename: lie, longname: '-', attrs: fileAttrs(3) });
      sftp.name(reqid, names);
    });
    sftp.on('OPEN', (reqid, raw, flags) => {
      const path = abs(raw);
      if (flags & OPEN_MODE.WRITE) {
        changes.push(`WRITE ${path}`);
        if (!folders.has(posix.dirname(path))) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
        return handle(reqid, { path, write: [] });
      }
      if (!tree.has(path)) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
      handle(reqid, { path });
    });
    sftp.on('READ', (reqid, buf, offset, length) => {
      const data = tree.get(stateOf(buf)?.path ?? '');
      if (!data || offset >= data.length) return sftp.status(reqid, STATUS_CODE.EOF);
      sftp.data(reqid, data.subarray(offset, offset + length));
    });
    sftp.on('WRITE', (reqid, buf, _offset, data) => {
      stateOf(buf)?.write?.push(Buffer.from(data));
      sftp.status(reqid, STATUS_CODE.OK);
    });
    sftp.on('FSTAT', (reqid, buf) => {
      const state = stateOf(buf);
      const attrs = state?.write ? fileAttrs(Buffer.concat(state.write).length) : attrsOf(state?.path ?? '');
      if (attrs) sftp.attrs(reqid, attrs);
      else sftp.status(reqid, STATUS_CODE.FAILURE);
    });
    sftp.on('CLOSE', (reqid, buf) => {
      const state = stateOf(buf);
      if (state?.write) tree.set(state.path, Buffer.concat(state.write));
      handles.delete(buf.readUInt32BE(0));
      sftp.status(reqid, STATUS_CODE.OK);
    });
    sftp.on('SETSTAT', (reqid) => sftp.status(reqid, STATUS_CODE.OK));
    sftp.on('FSETSTAT', (reqid) => sftp.status(reqid, STATUS_CODE.OK));
    sftp.on('RENAME', (reqid, rawFrom, rawTo) => {
      const from = abs(rawFrom);
      const to = abs(rawTo);
      changes.push(`RENAME ${from} -> ${to}`);
      const data = tree.get(from);
      if (!data) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
      if (!folders.has(posix.dirname(to))) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
      if (tree.has(to) || folders.has(to)) return sftp.status(reqid, STATUS_CODE.FAILURE);
      tree.delete(from);
      tree.set(to, data);
      sftp.status(reqid, STATUS_CODE.OK);
    });
    sftp.on('REMOVE', (reqid, raw) => {
      const path = abs(raw);
      changes.push(`REMOVE ${path}`);
      sftp.status(reqid, tree.delete(path) ? STATUS_CODE.OK : STATUS_CODE.NO_SUCH_FILE);
    });
    sftp.on('MKDIR', (reqid, raw) => {
      const path = abs(raw);
      changes.push(`MKDIR ${path}`);
      if (folders.has(path) || tree.has(path)) return sftp.status(reqid, STATUS_CODE.FAILURE);
      if (!folders.has(posix.dirname(path))) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
      folders.add(path);
      sftp.status(reqid, STATUS_CODE.OK);
    });
    sftp.on('RMDIR', (reqid, raw) => {
      const path = abs(raw);
      changes.push(`RMDIR ${path}`);
      sftp.status(reqid, folders.delete(path) ? STATUS_CODE.OK : STATUS_CODE.NO_SUCH_FILE);
    });
  };

  const clients = new Set<Connection>();
  const server = new Server({ hostKeys: [sshHostKey()] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () => {
      client.on('session', (accept: AcceptConnection) => {
        const session = accept();
        session.on('sftp', (acceptSftp: () => SFTPWrapper) => serveSftp(acceptSftp()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    changes,
    files: tree,
    folders,
    stop: async () => {
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
