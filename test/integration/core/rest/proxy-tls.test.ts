/**
 * The REST client's sockets: through a local CONNECT proxy (test/support/connect-proxy.ts) from the
 * node's URL or from the environment as Node-RED's http request node reads it (NO_PROXY honoured),
 * for http and https targets; and TLS against a local https server with throwaway certificates
 * (dev/servers/certs.ts): CA trust, the SHA-256 pin passing and refusing before anything is sent.
 */
import { strict as assert } from 'node:assert';
import { makeTestCertificates, type TestCertificates } from '../../../../dev/servers/certs';
import { openRestClient, type RestClient } from '../../../../src/core/rest/client';
import { restOptionsFromConfig, type RestConnectionFields, type RestCredentials } from '../../../../src/core/rest/rest-config';
import { startConnectProxy, type ConnectProxy } from '../../../support/connect-proxy';
import { expectCode } from '../../../support/expect-code';
import { sendJson, startRestStub, type RestStub } from '../../../support/rest-stub';

const PROXY_ENV = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'];

describe('rest client: proxy and TLS', function () {
  this.timeout(30_000);
  let certs: TestCertificates;
  let plain: RestStub;
  let secure: RestStub;
  let selfSigned: RestStub;
  let proxy: ConnectProxy;
  const clients: RestClient[] = [];
  const savedEnv: Record<string, string | undefined> = {};

  const open = (stub: RestStub, fields: RestConnectionFields = {}, creds: RestCredentials = {}): RestClient => {
    const c = openRestClient({
      ...restOptionsFromConfig({ baseUrl: `${stub.url}/api/v1`, authType: 'bearer', retries: 0, ...fields }, { token: 'api-token-1', ...creds }),
      retryBaseMs: 10,
    });
    clients.push(c);
    return c;
  };
  const ping = (c: RestClient): Promise<unknown> => c.request({ method: 'GET', path: '/ping', responseType: 'json' }).then((r) => r.body);

  before(async () => {
    certs = await makeTestCertificates();
    const handler = (stub: () => RestStub) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) =>
      sendJson(res, 200, { ok: true, port: stub().port, auth: req.headers.authorization ?? null, proxyAuth: req.headers['proxy-authorization'] ?? null });
    plain = await startRestStub();
    plain.handle(handler(() => plain));
    secure = await startRestStub({ key: certs.server.key.pem, cert: certs.server.cert.pem });
    secure.handle(handler(() => secure));
    selfSigned = await startRestStub({ key: certs.selfSigned.key.pem, cert: certs.selfSigned.cert.pem });
    selfSigned.handle(handler(() => selfSigned));
  });
  after(async () => {
    await Promise.all([plain.stop(), secure.stop(), selfSigned.stop()]);
    await certs.dispose();
  });
  beforeEach(async () => {
    for (const k of PROXY_ENV) {
      savedEnv[k] = process.env[k];
      delete process.env[k];
    }
    proxy = await startConnectProxy({ user: 'proxy-user', password: 'proxy-pa55' });
    for (const s of [plain, secure, selfSigned]) s.arrived.length = 0;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const k of PROXY_ENV) {
      if (savedEnv[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
    await proxy.stop();
  });

  it("tunnels an http target through the node's proxy URL by CONNECT, with the proxy credentials only on CONNECT", async () => {
    const c = open(plain, { proxy: 'url', proxyUrl: `http://proxy-user@127.0.0.1:${proxy.port}` }, { proxyPassword: 'proxy-pa55' });
    assert.deepEqual(await ping(c), { ok: true, port: plain.port, auth: 'Bearer api-token-1', proxyAuth: null });
    assert.deepEqual(proxy.tunnels, [`127.0.0.1:${plain.port}`]);
    assert.deepEqual(proxy.authorizations, [`Basic ${Buffer.from('proxy-user:proxy-pa55').toString('base64')}`]);
    assert.deepEqual(proxy.forwarded, [], 'no request line with an absolute URL reached the proxy');
  });

  it('retries even a POST without an idempotency key when the proxy gave no tunnel (nothing reached the API)', async () => {
    const { createServer } = await import('node:net');
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as { port: number }).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const c = openRestClient({
      ...restOptionsFromConfig(
        { baseUrl: `http://127.0.0.1:${deadPort}`, authType: 'bearer', retries: 2, proxy: 'url', proxyUrl: `http://proxy-user@127.0.0.1:${proxy.port}` },
        { token: 'api-token-1', proxyPassword: 'proxy-pa55' },
      ),
      retryBaseMs: 10,
    });
    clients.push(c);
    await expectCode(c.request({ method: 'POST', path: '/x', body: { kind: 'json', value: {} }, responseType: 'json' }), 'CONNECTION', /gave no tunnel/);
    assert.deepEqual(proxy.tunnels, [`127.0.0.1:${deadPort}`, `127.0.0.1:${deadPort}`, `127.0.0.1:${deadPort}`]);
  });

  it('refuses wrong proxy credentials with AUTHENTICATION (407), the proxy password in no error', async () => {
    const c = open(plain, { proxy: 'url', proxyUrl: `http://proxy-user@127.0.0.1:${proxy.port}` }, { proxyPassword: 'wrong-pa55' });
    const err = await expectCode(ping(c), 'AUTHENTICATION', /407/);
    assert.ok(!`${err.message}${JSON.stringify(err.details)}`.includes('wrong-pa55'));
    assert.equal(plain.arrived.length, 0);
  });

  it('takes the proxy from HTTP_PROXY / https_proxy like Node-RED, and honours NO_PROXY (either case, with a port)', async () => {
    process.env.HTTP_PROXY = `http://proxy-user:proxy-pa55@127.0.0.1:${proxy.port}`;
    process.env.https_proxy = `http://proxy-user:proxy-pa55@127.0.0.1:${proxy.port}`;
    assert.deepEqual(await ping(open(plain)), { ok: true, port: plain.port, auth: 'Bearer api-token-1', proxyAuth: null });
    assert.deepEqual(await ping(open(secure, { ca: certs.ca.cert.pem })), { ok: true, port: secure.port, auth: 'Bearer api-token-1', proxyAuth: null });
    assert.deepEqual(proxy.tunnels, [`127.0.0.1:${plain.port}`, `127.0.0.1:${secure.port}`]);
    process.env.NO_PROXY = `example.com, 127.0.0.1:${plain.port}`;
    await ping(open(plain));
    assert.equal(proxy.tunnels.length, 2, 'NO_PROXY host:port: direct');
    await ping(open(secure, { ca: certs.ca.cert.pem }));
    assert.equal(proxy.tunnels.length, 3, 'another port of that host still goes through the proxy');
    delete process.env.NO_PROXY;
    process.env.no_proxy = '127.0.0.1';
    await ping(open(secure, { ca: certs.ca.cert.pem }));
    assert.equal(proxy.tunnels.length, 3, 'no_proxy host: direct');
    delete process.env.no_proxy;
    await ping(open(plain, { proxy: 'none' }));
    assert.equal(proxy.tunnels.length, 3, "proxy 'none' ignores the environment");
    assert.deepEqual(proxy.forwarded, []);
  });

  it('trusts a server certificate only by the given CA', async () => {
    await expectCode(ping(open(secure, { proxy: 'none' })), 'TLS', /certificate was not accepted/);
    await expectCode(ping(open(secure, { proxy: 'none', ca: certs.otherCa.cert.pem })), 'TLS');
    assert.deepEqual(await ping(open(secure, { proxy: 'none', ca: certs.ca.cert.pem })), {
      ok: true,
      port: secure.port,
      auth: 'Bearer api-token-1',
      proxyAuth: null,
    });
    await expectCode(ping(open(selfSigned, { proxy: 'none' })), 'TLS');
    assert.equal(((await ping(open(selfSigned, { proxy: 'none', rejectUnauthorized: false }))) as { ok: boolean }).ok, true);
  });

  it('accepts a pinned certificate (self-signed, also through the proxy) and refuses another before sending anything', async () => {
    const pinSelf = certs.selfSigned.fingerprint256.replace(/:/g, '').toLowerCase();
    assert.equal(((await ping(open(selfSigned, { proxy: 'none', certFingerprint: pinSelf }))) as { ok: boolean }).ok, true);
    assert.equal(
      (
        (await ping(
          open(selfSigned, { proxy: 'url', proxyUrl: `http://proxy-user@127.0.0.1:${proxy.port}`, certFingerprint: pinSelf }, { proxyPassword: 'proxy-pa55' }),
        )) as { ok: boolean }
      ).ok,
      true,
    );
    assert.equal(proxy.tunnels.length, 1);
    const before = secure.arrived.length;
    const err = await expectCode(ping(open(secure, { proxy: 'none', ca: certs.ca.cert.pem, certFingerprint: pinSelf })), 'TLS', /fingerprint/);
    assert.equal(err.details.fingerprint, certs.server.fingerprint256);
    assert.equal(err.details.expected, certs.selfSigned.fingerprint256);
    assert.ok(err.message.includes(certs.server.fingerprint256) && err.message.includes(certs.selfSigned.fingerprint256), err.message);
    assert.equal(secure.arrived.length, before, 'nothing reached the server');
  });
});
