/**
 * The sockets of the REST client: direct, or through an HTTP(S) proxy by a CONNECT tunnel, with the
 * connection's TLS rules (extra CA, pinned SHA-256 fingerprint, or no verification) and a connect
 * timeout that covers the TCP connect, the proxy's CONNECT answer and the TLS handshake.
 *
 * Why our own agent and not axios's `proxy` option:
 * - axios (lib/adapters/http.js) sends plain-http targets to a proxy in forward-proxy mode: the request
 *   line carries the absolute URL and the proxy sees every header, our Authorization included. Until
 *   PR axios/axios#10858 (May 2026, "fix: https data in cleartext to proxy", fixing axios#6320 and the
 *   long-standing axios#4531/#3384 "Proxy support does not work properly with CONNECT on https
 *   requests") it did the same for https targets; 1.21 tunnels https through `https-proxy-agent`, but
 *   our certificate pin must see the origin's TLS socket, which that agent hides.
 * - axios also reads the proxy environment variables itself (`proxy-from-env`) unless `proxy: false`,
 *   with rules that differ from Node-RED's; the client always passes `proxy: false` and these agents.
 * - The Flow Library dependency budget (README, Runtime dependencies) has no room for hpagent or
 *   https-proxy-agent as a direct dependency.
 *
 * So both http and https targets go through a CONNECT tunnel (RFC 9110 9.3.6) when a proxy applies:
 * the proxy learns only host:port, and the credentials travel only in `Proxy-Authorization` on the
 * CONNECT request (RFC 9110 11.7.1).
 *
 * Which proxy applies, from the environment: as Node-RED 4.1's `http request` node decides it
 * (@node-red/nodes/core/network/lib/proxyHelper.js, "strict" mode, itself Rob Wu's proxy-from-env):
 * `<scheme>_proxy` then `all_proxy`, lower case before upper case; `NO_PROXY`/`no_proxy` is a list of
 * host names (exact, or a suffix when written `.example.com` or `*.example.com`), each optionally with a
 * `:port`, and `*` for all. npm's own `npm_config_*proxy` variables, which that helper also reads, are
 * not used: npm sets them for its registry traffic whenever Node-RED is started by `npm start`.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { FileBridgeError } from '../errors';

export type ProxySetting = { mode: 'none' } | { mode: 'env'; env?: NodeJS.ProcessEnv } | { mode: 'url'; url: string; password?: string };

export interface SocketSettings {
  connectTimeoutMs: number;
  /** Extra trusted CA certificates (PEM), added to Node's root store. */
  ca?: string;
  /** Pinned SHA-256 fingerprint (`AB:CD:..`) of the certificate of `pinnedHost`: replaces CA checks there. */
  pin?: string;
  /** `host:port` the pin belongs to (the base URL's); other hosts (a token URL elsewhere) are verified normally. */
  pinnedHost?: string;
  /** false: accept any certificate (only where nothing else is possible; the dialog warns). */
  rejectUnauthorized: boolean;
  proxy: ProxySetting;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

function envValue(env: NodeJS.ProcessEnv, name: string): string {
  return env[name.toLowerCase()] || env[name.toUpperCase()] || '';
}

/** Whether NO_PROXY (either case) exempts `hostname:port` (rules of proxyHelper.js `shouldProxy`). */
export function noProxyMatches(hostname: string, port: number, env: NodeJS.ProcessEnv): boolean {
  const list = envValue(env, 'no_proxy').toLowerCase();
  if (!list) return false;
  if (list.trim() === '*') return true;
  const host = hostname.toLowerCase();
  return list.split(/[,\s]/).some((entry) => {
    if (!entry) return false;
    const m = /^(.+):(\d+)$/.exec(entry);
    let name = m ? m[1] : entry;
    const entryPort = m ? Number(m[2]) : 0;
    if (entryPort && entryPort !== port) return false;
    if (!/^[.*]/.test(name)) return host === name || `[${host}]` === name;
    if (name.startsWith('*')) name = name.slice(1);
    return host.endsWith(name);
  });
}

/** The proxy URL the environment names for `target` ('' = none), as Node-RED's http request node finds it. */
export function proxyFromEnv(target: URL, env: NodeJS.ProcessEnv = process.env): string {
  const scheme = target.protocol.replace(/:$/, '');
  const port = Number(target.port) || DEFAULT_PORTS[target.protocol] || 0;
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  if (noProxyMatches(hostname, port, env)) return '';
  let proxy = envValue(env, `${scheme}_proxy`) || envValue(env, 'all_proxy');
  if (proxy && !proxy.includes('://')) proxy = `${scheme}://${proxy}`;
  return proxy;
}

interface ProxyTarget {
  url: URL;
  authorization?: string;
}

/** Parses a proxy URL (http or https only), refusing anything else naming where it came from. */
export function parseProxyUrl(text: string, where: string, password?: string): ProxyTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FileBridgeError('INVALID_INPUT', `The proxy URL from ${where} is not a URL: give one such as http://proxy.example.com:3128.`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new FileBridgeError('INVALID_INPUT', `The proxy URL from ${where} must be http:// or https:// with a host, such as http://proxy.example.com:3128.`);
  }
  const user = decodeURIComponent(url.username);
  const pass = password !== undefined && password !== '' ? password : decodeURIComponent(url.password);
  const out: ProxyTarget = { url };
  if (user !== '' || pass !== '') out.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  return out;
}

/** The proxy for `target` under `setting` (undefined = connect directly). */
export function proxyFor(target: URL, setting: ProxySetting): ProxyTarget | undefined {
  if (setting.mode === 'none') return undefined;
  if (setting.mode === 'url') return parseProxyUrl(setting.url, 'the REST connection', setting.password);
  const text = proxyFromEnv(target, setting.env ?? process.env);
  return text ? parseProxyUrl(text, 'the environment (HTTP_PROXY / HTTPS_PROXY)') : undefined;
}

/** The proxy's answer line and headers, read up to the blank line (at most 16 KiB). */
function readConnectAnswer(socket: Duplex): Promise<{ status: number; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buf.length > 16 * 1024) done(new Error('the proxy answered CONNECT with more than 16 KiB of headers'));
        return;
      }
      const line = buf.subarray(0, buf.indexOf('\r\n')).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(line);
      done(undefined, { status: m ? Number(m[1]) : 0, rest: buf.subarray(end + 4) });
    };
    const onEnd = (): void => done(new Error('the proxy closed the connection'));
    const onError = (err: Error): void => done(err);
    const done = (err?: Error, value?: { status: number; rest: Buffer }): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      if (err) reject(err);
      else resolve(value as { status: number; rest: Buffer });
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
  });
}

function waitFor(socket: net.Socket, event: 'connect' | 'secureConnect'): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = (): void => {
      socket.off('error', bad);
      resolve();
    };
    const bad = (err: Error): void => {
      socket.off(event, ok);
      reject(err);
    };
    socket.once(event, ok);
    socket.once('error', bad);
  });
}

/** Opens a socket to `host:port` (TLS when `secure`) directly or through the proxy, within the connect timeout. */
export async function openSocket(target: { host: string; port: number; secure: boolean; servername?: string }, s: SocketSettings): Promise<Duplex> {
  const hostForUrl = net.isIPv6(target.host) ? `[${target.host}]` : target.host;
  const where = `${hostForUrl}:${target.port}`;
  const proxy = proxyFor(new URL(`${target.secure ? 'https' : 'http'}://${where}`), s.proxy);
  const opened: net.Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      for (const sock of opened) sock.destroy();
      reject(
        new FileBridgeError(
          'TIMEOUT',
          `No connection to ${where}${proxy ? ` through the proxy ${proxy.url.host}` : ''} within ${s.connectTimeoutMs} ms (connect timeout). Check the base URL, the proxy and firewalls.`,
          { host: where },
        ),
      );
    }, s.connectTimeoutMs);
  });
  const connect = async (): Promise<Duplex> => {
    let raw: net.Socket;
    if (proxy) {
      const pHost = proxy.url.hostname.replace(/^\[|\]$/g, '');
      const pPort = Number(proxy.url.port) || DEFAULT_PORTS[proxy.url.protocol];
      if (proxy.url.protocol === 'https:') {
        raw = tls.connect({
          host: pHost,
          port: pPort,
          servername: net.isIP(pHost) ? undefined : pHost,
          ALPNProtocols: ['http/1.1'],
          ...(s.ca ? { ca: [...tls.rootCertificates, s.ca] } : {}),
        });
        opened.push(raw);
        await waitFor(raw, 'secureConnect');
      } else {
        raw = net.connect({ host: pHost, port: pPort });
        opened.push(raw);
        await waitFor(raw, 'connect');
      }
      const headers = [`CONNECT ${where} HTTP/1.1`, `Host: ${where}`];
      if (proxy.authorization) headers.push(`Proxy-Authorization: ${proxy.authorization}`);
      raw.write(`${headers.join('\r\n')}\r\n\r\n`);
      let answer: { status: number; rest: Buffer };
      try {
        answer = await readConnectAnswer(raw);
      } catch (err) {
        throw new FileBridgeError('CONNECTION', `The proxy ${proxy.url.host} gave no tunnel to ${where}: ${(err as Error).message}.`, {
          proxy: proxy.url.host,
        });
      }
      if (answer.status !== 200) {
        raw.destroy();
        if (answer.status === 407) {
          throw new FileBridgeError(
            'AUTHENTICATION',
            `The proxy ${proxy.url.host} refused the proxy credentials (HTTP 407): check the proxy user and password.`,
            {
              proxy: proxy.url.host,
              status: 407,
            },
          );
        }
        throw new FileBridgeError('CONNECTION', `The proxy ${proxy.url.host} refused a tunnel to ${where} (HTTP ${answer.status || 'unreadable answer'}).`, {
          proxy: proxy.url.host,
          status: answer.status,
        });
      }
      if (answer.rest.length > 0) raw.unshift(answer.rest);
    } else {
      raw = net.connect({ host: target.host, port: target.port });
      opened.push(raw);
      await waitFor(raw, 'connect');
    }
    if (!target.secure) return raw;
    const pinned = s.pin !== undefined && s.pinnedHost === where ? s.pin : undefined;
    const servername = target.servername ?? (net.isIP(target.host) ? undefined : target.host);
    const secure = tls.connect({
      socket: raw,
      servername,
      ALPNProtocols: ['http/1.1'],
      minVersion: 'TLSv1.2',
      // A pin replaces CA checks (a partner's self-signed certificate); it is checked below, before any byte of the request.
      rejectUnauthorized: pinned ? false : s.rejectUnauthorized,
      ...(s.ca ? { ca: [...tls.rootCertificates, s.ca] } : {}),
    });
    opened.push(secure);
    await waitFor(secure, 'secureConnect');
    if (pinned) {
      const presented = secure.getPeerCertificate().fingerprint256 as string | undefined;
      if (presented !== pinned) {
        secure.destroy();
        throw new FileBridgeError(
          'TLS',
          `${where} presented a certificate with SHA-256 fingerprint ${presented ?? '(none)'}, which is not the pinned ${pinned}; nothing was sent. If the API's certificate was renewed, verify the new fingerprint with its owner and update the pin.`,
          { fingerprint: presented, expected: pinned, host: where },
        );
      }
    }
    return secure;
  };
  try {
    return await Promise.race([connect(), timeout]);
  } catch (err) {
    for (const sock of opened) sock.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

type Callback = (err: Error | null, stream: Duplex) => void;

/**
 * Idle kept-alive sockets are closed after 4 s unless the server's `Keep-Alive: timeout=N` hint says
 * otherwise (Node's Agent keepSocketAlive honours the hint, and uses `timeout` for free sockets): a
 * request written on a socket the server closes at that moment fails with ECONNRESET, which a POST
 * without an idempotency key may not retry. 4 s is below the usual server defaults (Node and Apache 5 s).
 */
const FREE_SOCKET_TIMEOUT_MS = 4000;

function connectionFor(settings: SocketSettings, secure: boolean) {
  return (options: http.ClientRequestArgs & { servername?: string }, callback?: Callback): Duplex | null => {
    const host = String(options.hostname ?? options.host ?? 'localhost').replace(/^\[|\]$/g, '');
    const port = Number(options.port) || (secure ? 443 : 80);
    openSocket({ host, port, secure, servername: options.servername || undefined }, settings).then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return null;
  };
}

/** An http.Agent whose sockets come from openSocket (kept alive for reuse). */
export class RestHttpAgent extends http.Agent {
  constructor(private readonly settings: SocketSettings) {
    super({ keepAlive: true, maxSockets: 16, timeout: FREE_SOCKET_TIMEOUT_MS });
  }
  override createConnection(options: http.ClientRequestArgs, callback?: Callback): Duplex | null {
    return connectionFor(this.settings, false)(options, callback);
  }
}

/** An https.Agent whose TLS sockets come from openSocket; no TLS session cache, so every handshake shows the certificate for the pin. */
export class RestHttpsAgent extends https.Agent {
  constructor(private readonly settings: SocketSettings) {
    super({ keepAlive: true, maxSockets: 16, maxCachedSessions: 0, timeout: FREE_SOCKET_TIMEOUT_MS });
  }
  override createConnection(options: https.RequestOptions, callback?: Callback): Duplex | null {
    return connectionFor(this.settings, true)(options, callback);
  }
}
