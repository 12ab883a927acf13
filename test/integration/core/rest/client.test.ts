/**
 * The REST client's request rules against small scripted local servers (test/support/rest-stub.ts):
 * JSON and streamed bodies, error mapping, each retry rule, 429 Retry-After, timeouts, size limits,
 * the rate limit, no secret in error text, and another origin refused.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { openRestClient, type RestClient } from '../../../../src/core/rest/client';
import { restOptionsFromConfig, type RestConnectionFields, type RestCredentials, type RestOptions } from '../../../../src/core/rest/rest-config';
import { expectCode } from '../../../support/expect-code';
import { sendJson, startRestStub, type RestStub } from '../../../support/rest-stub';

const QUICK = { retryBaseMs: 20, retryMaxMs: 100 };

function optionsFor(stub: RestStub, fields: RestConnectionFields = {}, creds: RestCredentials = {}, extra: Partial<RestOptions> = {}): RestOptions {
  return { ...restOptionsFromConfig({ baseUrl: `${stub.url}/api/v1`, proxy: 'none', ...fields }, creds), ...QUICK, ...extra };
}

async function readStream(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('rest client: requests, retries and limits', function () {
  this.timeout(30_000);
  let stub: RestStub;
  let client: RestClient | undefined;

  beforeEach(async () => {
    stub = await startRestStub();
  });
  afterEach(async () => {
    client?.close();
    client = undefined;
    await stub.stop();
  });

  it('sends a JSON body and reads a JSON answer, with the extra headers and the base path', async () => {
    stub.handle((req, res, body) => sendJson(res, 200, { got: JSON.parse(body.toString()) as unknown, path: req.url }));
    client = openRestClient(optionsFor(stub, { headers: [{ name: 'X-Tenant', value: 't1' }] }));
    const res = await client.request({
      method: 'POST',
      path: 'products/batch',
      query: { dry: 1, skip: undefined },
      body: { kind: 'json', value: [{ sku: 'a' }] },
      responseType: 'json',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { got: [{ sku: 'a' }], path: '/api/v1/products/batch?dry=1' });
    assert.equal(stub.arrived[0].headers['x-tenant'], 't1');
    assert.equal(stub.arrived[0].headers['content-type'], 'application/json');
  });

  it('streams a reopenable upload with its Content-Length, and a download, byte for byte', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 17);
    stub.handle((req, res, body) => {
      if (req.method === 'PUT') return sendJson(res, 201, { size: body.length, sha256: sha(body), length: req.headers['content-length'] });
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      Readable.from([data.subarray(0, 1000), data.subarray(1000)]).pipe(res);
    });
    client = openRestClient(optionsFor(stub));
    const up = await client.request({
      method: 'PUT',
      path: '/media/a.bin',
      body: { kind: 'stream', open: () => Readable.from([data]), size: data.length },
      responseType: 'json',
    });
    assert.deepEqual(up.body, { size: data.length, sha256: sha(data), length: String(data.length) });
    const down = await client.request({ method: 'GET', path: '/backups/1/content', responseType: 'stream' });
    assert.ok(down.stream);
    assert.equal(sha(await readStream(down.stream)), sha(data));
  });

  it('refuses a stream that gives more or fewer bytes than its announced size', async () => {
    client = openRestClient(optionsFor(stub, { retries: 0 }));
    const send = (bytes: number): Promise<unknown> =>
      (client as RestClient).request({
        method: 'PUT',
        path: '/media/a',
        body: { kind: 'stream', open: () => Readable.from([Buffer.alloc(bytes)]), size: 1000 },
        responseType: 'json',
      });
    await expectCode(send(999), 'INVALID_INPUT', /gave 999 bytes where its size was given as 1000/);
    await expectCode(send(1001), 'INVALID_INPUT', /gave more than 1000 bytes where its size was given as 1000/);
    assert.ok(stub.arrived.every((a) => a.body.length < 1000 || a.body.length === 1000));
    await send(1000);
  });

  it('sends a multipart body: text fields, then the file part with its name and type', async () => {
    const file = Buffer.from('col1;col2\n1;2\n');
    stub.handle((req, res, body) => sendJson(res, 201, { type: req.headers['content-type'], length: req.headers['content-length'], body: body.toString() }));
    client = openRestClient(optionsFor(stub));
    const res = await client.request({
      method: 'POST',
      path: '/media',
      body: {
        kind: 'multipart',
        field: 'file',
        filename: 'prices "q1".csv',
        contentType: 'text/csv',
        open: () => Readable.from([file]),
        size: file.length,
        fields: { note: 'hello' },
      },
      responseType: 'json',
    });
    const got = res.body as { type: string; length: string; body: string };
    const boundary = /boundary=(.+)$/.exec(got.type)?.[1];
    assert.ok(boundary, got.type);
    assert.equal(Number(got.length), Buffer.byteLength(got.body));
    assert.equal(
      got.body,
      `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="prices %22q1%22.csv"\r\nContent-Type: text/csv\r\n\r\n${file.toString()}\r\n--${boundary}--\r\n`,
    );
  });

  it('maps answers to codes with the error text and field errors of problem details and common shapes', async () => {
    const cases: [number, unknown, string, string | undefined][] = [
      [401, { title: 'Unauthorized', detail: 'token expired' }, 'AUTHENTICATION', 'token expired'],
      [403, { message: 'no access to products' }, 'PERMISSION_DENIED', 'no access to products'],
      [404, { error: 'not_found', error_description: 'no such sku' }, 'NOT_FOUND', 'not_found: no such sku'],
      [410, { error: { message: 'gone for good' } }, 'NOT_FOUND', 'gone for good'],
      [409, { title: 'Conflict' }, 'CONFLICT', 'Conflict'],
      [400, { detail: 'bad query' }, 'API_REJECTED', 'bad query'],
      [413, 'too big', 'API_REJECTED', 'too big'],
      [500, { detail: 'boom' }, 'CONNECTION', 'boom'],
    ];
    for (const [status, body, code, text] of cases) {
      stub.handle((_req, res) => {
        if (typeof body !== 'string') return sendJson(res, status, body, { 'Content-Type': 'application/problem+json' });
        res.writeHead(status);
        res.end(body);
      });
      client?.close();
      client = openRestClient(optionsFor(stub, { retries: 0 }));
      const err = await expectCode(client.request({ method: 'GET', path: '/x', responseType: 'json' }), code);
      assert.equal(err.details.status, status);
      assert.equal(err.details.method, 'GET');
      assert.equal(err.details.url, `${stub.url}/api/v1/x`);
      assert.equal(err.details.errorText, text, `${status}: ${err.message}`);
    }
  });

  it('keeps the field errors of a 422 (errors, violations, JSON:API pointers)', async () => {
    const shapes: [unknown, unknown][] = [
      [
        {
          type: 'about:blank',
          title: 'Unprocessable',
          status: 422,
          detail: '2 invalid records',
          errors: [
            { index: 0, field: 'price', message: 'must be >= 0' },
            { index: 3, field: 'sku', message: 'required' },
          ],
        },
        [
          { index: 0, field: 'price', message: 'must be >= 0' },
          { index: 3, field: 'sku', message: 'required' },
        ],
      ],
      [{ title: 'Constraint Violation', violations: [{ field: 'name', message: 'must not be blank' }] }, [{ field: 'name', message: 'must not be blank' }]],
      [{ errors: [{ detail: 'is not a number', source: { pointer: '/data/0/price' } }] }, [{ field: '/data/0/price', message: 'is not a number' }]],
    ];
    for (const [body, fieldErrors] of shapes) {
      stub.handle((_req, res) => sendJson(res, 422, body, { 'Content-Type': 'application/problem+json' }));
      client?.close();
      client = openRestClient(optionsFor(stub));
      const err = await expectCode(
        client.request({ method: 'POST', path: '/products/batch', body: { kind: 'json', value: [] }, responseType: 'json' }),
        'API_REJECTED',
      );
      assert.deepEqual(err.details.fieldErrors, fieldErrors);
    }
    // a 422 is not retried
    assert.equal(stub.arrived.length, 3);
  });

  it('retries GET after 502/503/504 and a dropped connection, then succeeds', async () => {
    stub.handle((_req, res, _b, n) => {
      if (n === 0) return sendJson(res, 503, { detail: 'busy' });
      if (n === 1) return void res.socket?.destroy();
      if (n === 2) return sendJson(res, 502, {});
      if (n === 3) return sendJson(res, 504, {});
      sendJson(res, 200, { ok: true });
    });
    client = openRestClient(optionsFor(stub, { retries: 5 }));
    const res = await client.request({ method: 'GET', path: '/ping', responseType: 'json' });
    assert.deepEqual(res.body, { ok: true });
    assert.equal(stub.arrived.length, 5);
    assert.equal(client.stats().retries, 4);
  });

  it('gives up after the retry budget with CONNECTION, the status and the retries in details; 500 is not retried', async () => {
    stub.handle((_req, res) => sendJson(res, 503, { detail: 'down for maintenance' }));
    client = openRestClient(optionsFor(stub, { retries: 2 }));
    const err = await expectCode(client.request({ method: 'GET', path: '/ping', responseType: 'json' }), 'CONNECTION', /HTTP 503.*down for maintenance/);
    assert.equal(err.details.retries, 2);
    assert.equal(stub.arrived.length, 3);
    stub.handle((_req, res) => sendJson(res, 500, { detail: 'bug' }));
    await expectCode(client.request({ method: 'GET', path: '/ping', responseType: 'json' }), 'CONNECTION', /HTTP 500/);
    assert.equal(stub.arrived.length, 4);
  });

  it('retries POST and PATCH only with an idempotency key, the same key every time', async () => {
    stub.handle((_req, res) => sendJson(res, 503, {}));
    client = openRestClient(optionsFor(stub, { retries: 2, idempotencyHeader: 'X-Idem' }));
    await expectCode(client.request({ method: 'POST', path: '/products/batch', body: { kind: 'json', value: [1] }, responseType: 'json' }), 'CONNECTION');
    assert.equal(stub.arrived.length, 1, 'POST without a key: not retried');
    await expectCode(client.request({ method: 'PATCH', path: '/products/a', body: { kind: 'json', value: {} }, responseType: 'json' }), 'CONNECTION');
    assert.equal(stub.arrived.length, 2, 'PATCH without a key: not retried');
    // a dropped connection after the request was sent: not retried without a key either
    stub.handle((_req, res) => void res.socket?.destroy());
    await expectCode(client.request({ method: 'POST', path: '/products/batch', body: { kind: 'json', value: [1] }, responseType: 'json' }), 'CONNECTION');
    assert.equal(stub.arrived.length, 3);
    stub.handle((_req, res, _b, n) => (n < 5 ? sendJson(res, 503, {}) : sendJson(res, 200, { accepted: 1 }, { 'Idempotent-Replayed': 'true' })));
    const res = await client.request({
      method: 'POST',
      path: '/products/batch',
      body: { kind: 'json', value: [1] },
      idempotencyKey: 'k-1',
      responseType: 'json',
    });
    assert.deepEqual(res.body, { accepted: 1 });
    assert.equal(res.replayed, true);
    assert.deepEqual(
      stub.arrived.slice(3).map((a) => [a.method, a.headers['x-idem'], a.body.toString()]),
      [
        ['POST', 'k-1', '[1]'],
        ['POST', 'k-1', '[1]'],
        ['POST', 'k-1', '[1]'],
      ],
    );
  });

  it('waits for 429 Retry-After (seconds or an HTTP date), for any method, within its own budget', async () => {
    stub.handle((_req, res, _b, n) => {
      if (n === 0) return sendJson(res, 429, { title: 'slow down' }, { 'Retry-After': '1' });
      if (n === 1) return sendJson(res, 429, {}, { 'Retry-After': new Date(Date.now() + 1500).toUTCString() });
      sendJson(res, 200, { ok: n });
    });
    client = openRestClient(optionsFor(stub, { retries: 0 }));
    const t0 = Date.now();
    const res = await client.request({ method: 'POST', path: '/products/batch', body: { kind: 'json', value: [] }, responseType: 'json' });
    const gaps = [stub.arrived.length, Date.now() - t0];
    assert.deepEqual(res.body, { ok: 2 });
    assert.equal(gaps[0], 3);
    // 1 s, then up to the date (an HTTP date has whole seconds: 0.5 to 1.5 s)
    assert.ok(gaps[1] >= 1400, `waited only ${gaps[1]} ms`);
    assert.equal(client.stats().rateLimited, 2);
    stub.handle((_req, res) => sendJson(res, 429, {}, { 'Retry-After': '0' }));
    client.close();
    client = openRestClient(optionsFor(stub, { retries: 0 }, {}, { rateLimitedRetries: 3 }));
    const err = await expectCode(client.request({ method: 'GET', path: '/ping', responseType: 'json' }), 'CONNECTION', /HTTP 429/);
    assert.equal(err.details.status, 429);
    assert.equal(stub.arrived.length, 3 + 4);
  });

  it('caps a long Retry-After', async () => {
    stub.handle((_req, res, _b, n) => (n === 0 ? sendJson(res, 429, {}, { 'Retry-After': '3600' }) : sendJson(res, 200, {})));
    client = openRestClient(optionsFor(stub, {}, {}, { retryAfterCapMs: 200 }));
    const t0 = Date.now();
    await client.request({ method: 'GET', path: '/ping', responseType: 'json' });
    assert.ok(Date.now() - t0 < 3000);
    assert.equal(stub.arrived.length, 2);
  });

  it('never sends a one-shot stream twice; a reopenable stream is sent again whole', async () => {
    const data = randomBytes(300_000);
    stub.handle((_req, res, _b, n) => (n === 0 ? sendJson(res, 503, {}) : sendJson(res, 201, {})));
    client = openRestClient(optionsFor(stub, { retries: 3 }));
    const err = await expectCode(
      client.request({ method: 'PUT', path: '/media/a', body: { kind: 'stream', open: Readable.from([data]) }, responseType: 'json' }),
      'CONNECTION',
      /HTTP 503/,
    );
    assert.equal(err.details.status, 503);
    assert.equal(stub.arrived.length, 1, 'the one-shot stream was not sent again');
    let opened = 0;
    stub.handle((_req, res, _b, n) => (n === 1 ? sendJson(res, 503, {}) : sendJson(res, 201, { ok: true })));
    const ok = await client.request({
      method: 'PUT',
      path: '/media/b',
      body: {
        kind: 'stream',
        open: () => {
          opened++;
          return Readable.from([data.subarray(0, 1000), data.subarray(1000)]);
        },
      },
      responseType: 'json',
    });
    assert.deepEqual(ok.body, { ok: true });
    assert.equal(opened, 2);
    assert.deepEqual(
      stub.arrived.slice(1).map((a) => sha(a.body)),
      [sha(data), sha(data)],
    );
  });

  it('fails with TIMEOUT when no answer comes in time (GET retried), and when a streamed answer stalls', async () => {
    stub.handle(() => undefined); // never answers
    client = openRestClient(optionsFor(stub, { retries: 1 }, {}, { timeoutMs: 300 }));
    const t0 = Date.now();
    await expectCode(client.request({ method: 'GET', path: '/slow', responseType: 'json' }), 'TIMEOUT', /within 300 ms/);
    assert.equal(stub.arrived.length, 2);
    assert.ok(Date.now() - t0 < 5000);
    stub.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.write(Buffer.alloc(1000));
      // ... and nothing more
    });
    const down = await client.request({ method: 'GET', path: '/backups/1/content', responseType: 'stream' });
    await expectCode(readStream(down.stream as Readable), 'TIMEOUT');
  });

  it('fails with TIMEOUT when the connection (here the TLS handshake) does not complete within the connect timeout', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined); // accepts TCP, never speaks TLS
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      client = openRestClient({ ...restOptionsFromConfig({ baseUrl: `https://127.0.0.1:${port}`, proxy: 'none', retries: 0 }), connectTimeoutMs: 300 });
      const t0 = Date.now();
      await expectCode(client.request({ method: 'GET', path: '/ping', responseType: 'json' }), 'TIMEOUT', /connect timeout/);
      assert.ok(Date.now() - t0 < 3000);
    } finally {
      silent.close();
    }
  });

  it('limits JSON answers (with and without Content-Length) and reads bigger ones as streams', async () => {
    const big = JSON.stringify({ items: Array.from({ length: 30_000 }, (_, i) => ({ i, name: `item ${i}` })) });
    stub.handle((req, res) => {
      if (req.url?.includes('chunked')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(big.slice(0, 1000));
        res.end(big.slice(1000));
        return;
      }
      sendJson(res, 200, JSON.parse(big) as unknown);
    });
    client = openRestClient(optionsFor(stub));
    await expectCode(client.request({ method: 'GET', path: '/list', responseType: 'json', maxJsonBytes: 100_000 }), 'INVALID_INPUT', /more than 100000 bytes/);
    await expectCode(
      client.request({ method: 'GET', path: '/list?chunked=1', responseType: 'json', maxJsonBytes: 100_000 }),
      'INVALID_INPUT',
      /more than 100000 bytes/,
    );
    const whole = await client.request({ method: 'GET', path: '/list', responseType: 'json' });
    assert.equal((whole.body as { items: unknown[] }).items.length, 30_000);
    const stream = await client.request({ method: 'GET', path: '/list', responseType: 'stream', maxJsonBytes: 100 });
    assert.equal((await readStream(stream.stream as Readable)).length, Buffer.byteLength(big));
  });

  it('keeps every secret out of error texts and details, and redacts secret query values in URLs', async () => {
    const password = 'pa55-Secret-word';
    const apiKey = 'key-0123456789abcdef';
    // The server repeats what it was sent (a careless API does): header, URL, and the secret itself in prose.
    stub.handle((req, res) => {
      const sent = `${req.headers.authorization ?? ''} ${req.url ?? ''}`;
      const secretSent = sent.includes(apiKey) ? apiKey : sent.includes(Buffer.from(`u:${password}`).toString('base64')) ? password : '';
      sendJson(res, 400, { detail: `rejected ${sent} because ${secretSent} is wrong`, errors: [{ field: `f ${secretSent}`, message: `seen ${sent}` }] });
    });
    const checks: RestClient[] = [
      openRestClient(optionsFor(stub, { authType: 'basic', username: 'u' }, { password })),
      openRestClient(optionsFor(stub, { authType: 'apiKey', apiKeyIn: 'query', apiKeyName: 'key' }, { apiKey })),
      openRestClient(optionsFor(stub, { authType: 'bearer' }, { token: apiKey })),
    ];
    const b64 = Buffer.from(`u:${password}`).toString('base64');
    for (const c of checks) {
      const err = await expectCode(c.request({ method: 'GET', path: '/x', query: { token: 'q-secret-token' }, responseType: 'json' }), 'API_REJECTED');
      const all = `${err.message} ${JSON.stringify(err.details)} ${err.stack ?? ''}`;
      for (const s of [password, apiKey, b64, 'q-secret-token']) assert.ok(!all.includes(s), `"${s}" leaked: ${all}`);
      c.close();
    }
    // a connection failure names the URL without the key
    const refused = openRestClient({
      ...restOptionsFromConfig({ baseUrl: 'http://127.0.0.1:1', authType: 'apiKey', apiKeyIn: 'query', proxy: 'none', retries: 0 }, { apiKey }),
    });
    const err = await expectCode(refused.request({ method: 'GET', path: '/x', responseType: 'json' }), 'CONNECTION', /ECONNREFUSED/);
    assert.ok(!`${err.message}${JSON.stringify(err.details)}`.includes(apiKey));
    assert.match(err.message, /api_key=\*\*\*|X-API-Key|127\.0\.0\.1:1\/x/);
    refused.close();
  });

  it('refuses an absolute URL on another origin before sending anything, and does not follow redirects', async () => {
    client = openRestClient(optionsFor(stub, { authType: 'bearer' }, { token: 'tok-secret-1' }));
    await expectCode(client.request({ method: 'GET', path: 'http://localhost:1/steal', responseType: 'json' }), 'INVALID_INPUT', /another origin/);
    await expectCode(client.request({ method: 'GET', path: '/x', headers: { 'X-A': 'a\r\nX-Injected: 1' }, responseType: 'json' }), 'INVALID_INPUT', /X-A/);
    await expectCode(
      client.request({ method: 'GET', path: `${stub.url.replace('127.0.0.1', 'localhost')}/api/v1/x`, responseType: 'json' }),
      'INVALID_INPUT',
      /another origin/,
    );
    assert.equal(stub.arrived.length, 0);
    const same = await client.request({ method: 'GET', path: `${stub.url}/other/path`, responseType: 'json' });
    assert.equal(same.status, 200);
    stub.handle((_req, res) => {
      res.writeHead(302, { Location: 'http://localhost:1/elsewhere' });
      res.end();
    });
    const moved = await expectCode(
      client.request({ method: 'GET', path: '/moved', responseType: 'json' }),
      'INVALID_INPUT',
      /redirect \(HTTP 302 to http:\/\/localhost:1\/elsewhere\)/,
    );
    assert.equal(moved.details.location, 'http://localhost:1/elsewhere');
    assert.equal(stub.arrived.length, 2);
  });

  it('spaces requests by the rate limit, shared by concurrent callers', async () => {
    const at: number[] = [];
    stub.handle((_req, res) => {
      at.push(Date.now());
      sendJson(res, 200, {});
    });
    client = openRestClient(optionsFor(stub, { rateLimit: 10 }));
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => (client as RestClient).request({ method: 'GET', path: '/ping', responseType: 'json' })));
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 480, `6 requests at 10/s took only ${elapsed} ms`);
    at.sort((a, b) => a - b);
    // 5 gaps of 100 ms between starts; arrival times jitter with socket setup, so the span is checked.
    assert.ok(at[5] - at[0] >= 400, `6 requests arrived within ${at[5] - at[0]} ms`);
    client.close();
    client = openRestClient(optionsFor(stub));
    const t1 = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => (client as RestClient).request({ method: 'GET', path: '/ping', responseType: 'json' })));
    assert.ok(Date.now() - t1 < 400, 'without a limit the same requests run at once');
  });

  it('ends a backoff wait when the client is closed', async () => {
    stub.handle((_req, res) => sendJson(res, 429, {}, { 'Retry-After': '30' }));
    client = openRestClient(optionsFor(stub));
    const t0 = Date.now();
    const pending = client.request({ method: 'GET', path: '/ping', responseType: 'json' });
    setTimeout(() => client?.close(), 200);
    await expectCode(pending, 'CONNECTION', /closed/);
    assert.ok(Date.now() - t0 < 5000);
  });
});
