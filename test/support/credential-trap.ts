/**
 * Listeners on loopback that play a host an attacker controls: they accept a login and record the
 * secrets that arrive, so a test can show that a stored password never reaches them. One speaks
 * FTP (USER/PASS in clear), one SSH (password authentication), one HTTP (Content Server and OTDS
 * logins); each refuses every login.
 */
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SshServer } from 'ssh2';
import { sshHostKey } from './ssh-host-key';

export interface CredentialTrap {
  readonly host: string;
  readonly port: number;
  /** Everything that arrived (FTP lines, SSH user:password, HTTP request lines, headers and bodies). */
  readonly received: string[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** True when `secret` arrived in anything received. */
  saw(secret: string): boolean;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

function listen(server: NetServer | HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: NetServer | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function trap(server: NetServer | HttpServer, port: number, received: string[], counter: { connections: number }, close?: () => void): CredentialTrap {
  return {
    host: HOST,
    port,
    received,
    get connections() {
      return counter.connections;
    },
    saw: (secret) => received.some((r) => r.includes(secret)),
    close: async () => {
      close?.();
      await closeServer(server);
    },
  };
}

/** Plain FTP: greets, asks for the password after USER, refuses it after PASS. */
export async function startFtpTrap(): Promise<CredentialTrap> {
  const received: string[] = [];
  const counter = { connections: 0 };
  const sockets = new Set<import('node:net').Socket>();
  const server = createNetServer((socket) => {
    counter.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setEncoding('latin1');
    socket.write('220 trap ready\r\n');
    let buffered = '';
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        received.push(line);
        const verb = line.split(' ')[0]?.toUpperCase();
        if (verb === 'USER') socket.write('331 password please\r\n');
        else if (verb === 'PASS') socket.write('530 no\r\n');
        else socket.write('502 not here\r\n');
      }
    });
  });
  const port = await listen(server);
  return trap(server, port, received, counter, () => {
    for (const s of sockets) s.destroy();
  });
}

/** SSH: records each password authentication attempt as `user:password`, refuses them all. */
export async function startSshTrap(): Promise<CredentialTrap> {
  const received: string[] = [];
  const counter = { connections: 0 };
  const hostKey = sshHostKey();
  const clients = new Set<{ end(): unknown }>();
  const server = new SshServer({ hostKeys: [hostKey] }, (client) => {
    counter.connections += 1;
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password') received.push(`${ctx.username}:${ctx.password}`);
      else received.push(`${ctx.username}:<${ctx.method}>`);
      ctx.reject(['password']);
    });
  });
  const port = await listen(server as unknown as NetServer);
  return trap(server as unknown as NetServer, port, received, counter, () => {
    for (const c of clients) c.end();
  });
}

/** HTTP: records every request (line, headers, body); answers a ping, and 401 to everything else. */
export async function startHttpTrap(): Promise<CredentialTrap> {
  const received: string[] = [];
  const counter = { connections: 0 };
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const basic = /^Basic\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1];
      const decoded = basic ? `\nBasic ${Buffer.from(basic, 'base64').toString('utf8')}` : '';
      const body = Buffer.concat(chunks).toString('utf8');
      // Form bodies carry secrets URL-encoded; record them decoded too so `saw` finds them.
      let form = '';
      try {
        form = `\n${decodeURIComponent(body.replace(/\+/g, ' '))}`;
      } catch {
        // not URL-encoded text
      }
      received.push(`${req.method ?? ''} ${req.url ?? ''}\n${JSON.stringify(req.headers)}${decoded}\n${body}${form}`);
      // Answers the unauthenticated ping a Content Server test starts with, so the login follows.
      if (req.method === 'GET' && /\/ping$/.test(req.url ?? '')) res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"version":"trap"}');
      else res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"no"}');
    });
  });
  server.on('connection', () => {
    counter.connections += 1;
  });
  const port = await listen(server);
  return trap(server, port, received, counter, () => server.closeAllConnections());
}
