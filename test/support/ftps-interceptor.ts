/**
 * A man in the middle for explicit FTPS, played against our client: it speaks FTPS to the client on
 * the control connection with the certificate the client has pinned (as someone holding that
 * certificate's key, or a proxy the pin was taken from, could), relays every command to the real
 * server, and rewrites the server's passive-mode answers (227, 229) so the client's data
 * connections come to a listener of its own. That listener presents `data` (another certificate,
 * or the pinned one to show the relay itself works) and relays to the server's data port,
 * resuming the server's TLS session as vsftpd requires. With `inject` it sends those bytes to the
 * client instead of the server's (a forged listing or file) and records what the client sends
 * (an upload it could read).
 *
 * Test harness only: vsftpd presents one certificate on every connection, so a certificate
 * mismatch on data connections cannot be produced with the real server alone.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { CertificateAndKey } from '../../dev/servers';

export interface FtpsInterceptorOptions {
  /** The real explicit-FTPS server (plain FTP + AUTH TLS). */
  upstream: { host: string; port: number };
  /** Presented to the client on the control connection. */
  control: CertificateAndKey;
  /** Presented to the client on every data connection. */
  data: CertificateAndKey;
  /** Sent to the client on every data connection in place of what the server sends. */
  inject?: Buffer;
}

export interface FtpsInterceptor {
  readonly host: string;
  readonly port: number;
  /** Data connections the client opened to the interceptor. */
  readonly dataConnections: number;
  /** Of those, the TLS handshakes that completed on the interceptor's side. */
  readonly dataHandshakes: number;
  /** Application bytes the client sent on data connections (an upload the interceptor could read). */
  readonly bytesFromClient: number;
  /** Application bytes the interceptor wrote to the client on data connections. */
  readonly bytesToClient: number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

/** Reads CRLF-terminated lines from a socket until `stop()` is called. */
function lines(socket: net.Socket, onLine: (line: string) => void): { stop(): void } {
  let buffered = '';
  const onData = (chunk: Buffer): void => {
    buffered += chunk.toString('latin1');
    let end: number;
    while ((end = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      onLine(line);
    }
  };
  socket.on('data', onData);
  return { stop: () => socket.removeListener('data', onData) };
}

export async function startFtpsInterceptor(options: FtpsInterceptorOptions): Promise<FtpsInterceptor> {
  const counters = { dataConnections: 0, dataHandshakes: 0, bytesFromClient: 0, bytesToClient: 0 };
  const sockets = new Set<net.Socket>();
  const servers = new Set<net.Server>();
  const track = <T extends net.Socket>(socket: T): T => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    return socket;
  };
  const controlContext = tls.createSecureContext({ key: options.control.key.pem, cert: options.control.cert.pem });
  const dataContext = tls.createSecureContext({ key: options.data.key.pem, cert: options.data.cert.pem });

  /** One data listener for one passive-mode answer: relays a single client connection to `upstreamPort`. */
  function dataListener(upstreamPort: number, upstreamSession: () => Buffer | undefined, onSession: (s: Buffer) => void): Promise<number> {
    const server = net.createServer((clientRaw) => {
      server.close();
      counters.dataConnections += 1;
      track(clientRaw);
      const client = track(new tls.TLSSocket(clientRaw, { isServer: true, secureContext: dataContext }));
      const upstream = track(
        tls.connect({
          socket: track(net.connect(upstreamPort, options.upstream.host)),
          host: options.upstream.host,
          rejectUnauthorized: false,
          session: upstreamSession(),
        }),
      );
      upstream.on('session', onSession);
      const toClient = (chunk: Buffer): void => {
        counters.bytesToClient += chunk.length;
        client.write(chunk);
      };
      client.on('secure', () => {
        counters.dataHandshakes += 1;
        if (options.inject) toClient(options.inject);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!options.inject) toClient(chunk);
      });
      upstream.on('end', () => client.end());
      upstream.on('close', () => client.end());
      client.on('data', (chunk: Buffer) => {
        counters.bytesFromClient += chunk.length;
        upstream.write(chunk);
      });
      client.on('end', () => upstream.end());
      client.on('close', () => upstream.end());
    });
    servers.add(server);
    server.on('close', () => servers.delete(server));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, HOST, () => resolve((server.address() as net.AddressInfo).port));
    });
  }

  const front = net.createServer((clientRaw) => {
    track(clientRaw);
    const upstreamRaw = track(net.connect(options.upstream.port, options.upstream.host));
    let client: net.Socket = clientRaw;
    let upstream: net.Socket = upstreamRaw;
    let session: Buffer | undefined;
    const remember = (s: Buffer): void => {
      session = s;
    };
    let upgrading = false;
    // Replies are handled one at a time: a passive-mode answer waits for its listener.
    let replies = Promise.resolve();

    const fromClient = (line: string): void => {
      if (/^AUTH TLS$/i.test(line)) upgrading = true;
      upstream.write(`${line}\r\n`);
    };
    const fromUpstream = (line: string): void => {
      replies = replies.then(async () => {
        const epsv = /^229 (.*)\(\|\|\|(\d+)\|\)(.*)$/.exec(line);
        const pasv = /^227 (.*?)(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)(.*)$/.exec(line);
        if (epsv) {
          const port = await dataListener(Number(epsv[2]), () => session, remember);
          line = `229 ${epsv[1]}(|||${port}|)${epsv[3]}`;
        } else if (pasv) {
          const port = await dataListener(Number(pasv[6]) * 256 + Number(pasv[7]), () => session, remember);
          line = `227 ${pasv[1]}127,0,0,1,${port >> 8},${port & 255}${pasv[8]}`;
        }
        if (upgrading && /^234 /.test(line)) {
          upgrading = false;
          // Both sides switch to TLS: nothing more is read in clear.
          upstreamLines.stop();
          clientLines.stop();
          upstream = track(tls.connect({ socket: upstreamRaw, host: options.upstream.host, rejectUnauthorized: false }));
          upstream.on('session', remember);
          clientRaw.write(`${line}\r\n`);
          client = track(new tls.TLSSocket(clientRaw, { isServer: true, secureContext: controlContext }));
          upstreamLines = lines(upstream, fromUpstream);
          clientLines = lines(client, fromClient);
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
          return;
        }
        client.write(`${line}\r\n`);
      });
    };
    let upstreamLines = lines(upstreamRaw, fromUpstream);
    let clientLines = lines(clientRaw, fromClient);
    clientRaw.on('close', () => upstreamRaw.destroy());
    upstreamRaw.on('close', () => clientRaw.destroy());
  });
  servers.add(front);
  const port = await new Promise<number>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, HOST, () => resolve((front.address() as net.AddressInfo).port));
  });

  return {
    host: HOST,
    port,
    get dataConnections() {
      return counters.dataConnections;
    },
    get dataHandshakes() {
      return counters.dataHandshakes;
    },
    get bytesFromClient() {
      return counters.bytesFromClient;
    },
    get bytesToClient() {
      return counters.bytesToClient;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([...servers].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
