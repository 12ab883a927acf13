/**
 * An FTP server that lies in its LIST answers: a test harness playing a malicious or broken peer
 * (vsftpd on a POSIX file system cannot hold a name with "/" or ".."). Plain FTP with EPSV data
 * connections, an in-memory file tree, the commands basic-ftp and the watch use (no MLSD, so
 * listings are Unix `LIST` lines, as vsftpd sends them). It records every command that would change
 * something (RNFR/RNTO, DELE, MKD, RMD, STOR), so a test can prove nothing happened outside the
 * watched folder.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { posix } from 'node:path';
import { fakeTree } from './fake-tree';

export interface LyingFtpServer {
  port: number;
  /** Mutating requests as `VERB path [-> path]`, in order. */
  changes: string[];
  files: Map<string, Buffer>;
  stop(): Promise<void>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export async function startLyingFtpServer(files: Record<string, string>, lyingFolder: string, lies: string[]): Promise<LyingFtpServer> {
  const { tree, folders } = fakeTree(files, lyingFolder);
  const changes: string[] = [];
  const mtime = new Date(Date.now() - 3600_000);
  const abs = (p: string): string => posix.normalize(posix.join('/', p.trim() || '.'));
  const pad = (n: number): string => String(n).padStart(2, '0');
  const listTime = `${MONTHS[mtime.getUTCMonth()]} ${pad(mtime.getUTCDate())} ${pad(mtime.getUTCHours())}:${pad(mtime.getUTCMinutes())}`;
  const mdtm = `${mtime.getUTCFullYear()}${pad(mtime.getUTCMonth() + 1)}${pad(mtime.getUTCDate())}${pad(mtime.getUTCHours())}${pad(mtime.getUTCMinutes())}${pad(mtime.getUTCSeconds())}`;
  const line = (dir: boolean, size: number, name: string): string =>
    `${dir ? 'drwxr-xr-x' : '-rw-r--r--'}    1 0        0        ${String(size).padStart(8)} ${listTime} ${name}`;

  const sockets = new Set<Socket>();
  const dataServers = new Set<Server>();
  const server = createServer((control) => {
    sockets.add(control);
    control.on('close', () => sockets.delete(control));
    control.on('error', () => undefined);
    control.setEncoding('utf8');
    const reply = (text: string): void => void control.write(`${text}\r\n`);
    let data: Promise<Socket> | undefined;
    let renameFrom: string | undefined;
    const withData = async (work: (socket: Socket) => Promise<void> | void): Promise<void> => {
      if (!data) return reply('425 Use EPSV first.');
      const socket = await data;
      data = undefined;
      reply('150 Here it comes.');
      await work(socket);
      reply('226 Transfer complete.');
    };
    const handle = async (command: string, arg: string): Promise<void> => {
      const path = abs(arg.replace(/^-a\s*/, ''));
      switch (command) {
        case 'USER':
          return reply('331 Password?');
        case 'PASS':
          return reply('230 Logged in.');
        case 'FEAT':
          return reply('211-Features:\r\n SIZE\r\n MDTM\r\n EPSV\r\n211 End');
        case 'PWD':
          return reply('257 "/"');
        case 'SYST':
          return reply('215 UNIX Type: L8');
        case 'TYPE':
        case 'STRU':
        case 'OPTS':
          return reply('200 OK.');
        case 'CWD':
          return reply(folders.has(path) ? '250 OK.' : '550 No such folder.');
        case 'EPSV': {
          const listener = createServer();
          dataServers.add(listener);
          data = new Promise((resolve) =>
            listener.once('connection', (socket) => {
              socket.on('error', () => undefined);
              listener.close();
              dataServers.delete(listener);
              resolve(socket);
            }),
          );
          await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
          return reply(`229 Entering Extended Passive Mode (|||${(listener.address() as AddressInfo).port}|)`);
        }
        case 'LIST':
          return withData((socket) => {
            const lines: string[] = [];
            for (const dir of folders) if (dir !== path && posix.dirname(dir) === path) lines.push(line(true, 0, posix.basename(dir)));
            for (const [file, content] of tree) if (posix.dirname(file) === path) lines.push(line(false, content.length, posix.basename(file)));
            if (path === lyingFolder) for (const lie of lies) lines.push(line(false, 3, lie));
            return new Promise<void>((resolve) => socket.end(lines.map((l) => `${l}\r\n`).join(''), resolve));
          });
        case 'SIZE':
          return reply(tree.has(path) ? `213 ${tree.get(path)!.length}` : '550 No such file.');
        case 'MDTM':
          return reply(tree.has(path) ? `213 ${mdtm}` : '550 No such file.');
        case 'RETR':
          if (!tree.has(path)) return reply('550 No such file.');
          return withData((socket) => new Promise<void>((resolve) => socket.end(tree.get(path)!, resolve)));
        case 'STOR':
          changes.push(`WRITE ${path}`);
          if (!folders.has(posix.dirname(path))) return reply('553 No such folder.');
          return withData(async (socket) => {
            const chunks: Buffer[] = [];
            for await (const chunk of socket) chunks.push(chunk as Buffer);
            tree.set(path, Buffer.concat(chunks));
          });
        case 'RNFR':
          changes.push(`RNFR ${path}`);
          renameFrom = path;
          return reply(tree.has(path) ? '350 Ready.' : '550 No such file.');
        case 'RNTO': {
          changes.push(`RNTO ${path}`);
          const from = renameFrom;
          renameFrom = undefined;
          if (!from || !tree.has(from) || !folders.has(posix.dirname(path)) || tree.has(path)) return reply('553 Rename failed.');
          tree.set(path, tree.get(from)!);
          tree.delete(from);
          return reply('250 Renamed.');
        }
        case 'DELE':
          changes.push(`DELE ${path}`);
          return reply(tree.delete(path) ? '250 Deleted.' : '550 No such file.');
        case 'MKD':
          changes.push(`MKD ${path}`);
          if (folders.has(path) || !folders.has(posix.dirname(path))) return reply('550 Create directory operation failed.');
          folders.add(path);
          return reply(`257 "${path}" created`);
        case 'RMD':
          changes.push(`RMD ${path}`);
          return reply(folders.delete(path) ? '250 Removed.' : '550 No such folder.');
        case 'NOOP':
          return reply('200 OK.');
        case 'QUIT':
          reply('221 Bye.');
          control.end();
          return;
        default:
          return reply('502 Not implemented.');
      }
    };
    let buffered = '';
    let queue = Promise.resolve();
    control.on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
        const text = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const space = text.indexOf(' ');
        const command = (space < 0 ? text : text.slice(0, space)).toUpperCase();
        const arg = space < 0 ? '' : text.slice(space + 1);
        queue = queue.then(() => handle(command, arg)).catch(() => reply('451 Local error.'));
      }
    });
    reply('220 Lying FTP ready.');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    changes,
    files: tree,
    stop: async () => {
      for (const s of sockets) s.destroy();
      for (const d of dataServers) d.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
