/**
 * The REST client against the REST simulator (dev/sim/rest): every auth mode as the simulator counts
 * them, every paging style on its resources, a token ended under the client, batches with idempotency
 * keys through a 429 storm (replayed, never stored twice), 422 field errors, streamed backups and media.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { openRestClient, testRestConnection, type RestClient } from '../../../../src/core/rest/client';
import type { PageResult, Paging } from '../../../../src/core/rest/paging';
import { restOptionsFromConfig, type RestConnectionFields } from '../../../../src/core/rest/rest-config';
import { expectCode } from '../../../support/expect-code';
import { products, restSimCredentials, useRestSim } from '../../../support/rest-sim';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function readStream(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('rest client against the REST simulator', function () {
  this.timeout(60_000);
  const used = useRestSim();
  const clients: RestClient[] = [];

  const open = (fields: RestConnectionFields = {}): RestClient => {
    const sim = used.sim;
    const c = openRestClient({
      ...restOptionsFromConfig(
        { baseUrl: sim.apiUrl, proxy: 'none', authType: 'basic', username: sim.user, tokenUrl: sim.tokenUrl, clientId: sim.clientId, ...fields },
        restSimCredentials(sim),
      ),
      retryBaseMs: 20,
      retryMaxMs: 200,
    });
    clients.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  it('signs in with every auth mode, as the simulator counts them', async () => {
    const modes: [RestConnectionFields, string][] = [
      [{ authType: 'basic' }, 'basic'],
      [{ authType: 'bearer' }, 'bearer'],
      [{ authType: 'apiKey' }, 'apiKeyHeader'],
      [{ authType: 'apiKey', apiKeyIn: 'query', apiKeyName: 'api_key' }, 'apiKeyQuery'],
      [{ authType: 'oauth2', clientAuth: 'basic' }, 'oauth'],
      [{ authType: 'oauth2', clientAuth: 'body', scope: 'products' }, 'oauth'],
    ];
    for (const [fields, mode] of modes) {
      const before = used.sim.stats().authModes as unknown as Record<string, number>;
      const res = await open(fields).request({ method: 'GET', path: '/ping', responseType: 'json' });
      assert.deepEqual(res.body, { ok: true });
      const after = used.sim.stats().authModes as unknown as Record<string, number>;
      assert.equal(after[mode], (before[mode] ?? 0) + 1, `${JSON.stringify(fields)} counted as ${mode}`);
    }
    await expectCode(open({ authType: 'none' }).request({ method: 'GET', path: '/ping', responseType: 'json' }), 'AUTHENTICATION');
  });

  it('gets a new OAuth2 token once when the simulator ends every token, for concurrent calls', async () => {
    const c = open({ authType: 'oauth2' });
    await c.request({ method: 'GET', path: '/ping', responseType: 'json' });
    used.sim.expireTokens();
    await Promise.all(Array.from({ length: 6 }, () => c.request({ method: 'GET', path: '/ping', responseType: 'json' })));
    assert.equal(c.stats().tokenRequests, 2);
  });

  it('reads every paging style to the end', async () => {
    const c = open();
    const counts = used.sim.state().counts as unknown as Record<string, number>;
    const all = async (path: string, paging: Paging): Promise<unknown[]> => {
      const items: unknown[] = [];
      const pages: PageResult[] = [];
      for await (const p of c.paginate({ method: 'GET', path, responseType: 'json' }, paging)) {
        pages.push(p);
        items.push(...p.items);
      }
      assert.ok(pages.length > 1, `${path}: more than one page`);
      return items;
    };
    assert.equal((await all('/products', { style: 'offset', pageSize: 20 })).length, counts.products);
    assert.equal((await all('/prices', { style: 'linkHeader', pageSize: 25 })).length, counts.prices);
    assert.equal((await all('/inventory/changes', { style: 'cursor', pageSize: 40 })).length, counts.inventoryChanges);
    assert.equal((await all('/shipments', { style: 'nextLink' })).length, counts.shipments);
    assert.equal((await all('/partners', { style: 'page', sizeParam: 'pageSize', pageSize: 3 })).length, counts.partners);
  });

  it('posts a batch through a 429 storm with an idempotency key: stored once, a resend replayed', async () => {
    const c = open({ authType: 'bearer' });
    used.sim.setFaults({ status429: 2, retryAfterSeconds: 1 });
    const batch = products(100, 'IDEM');
    const req = {
      method: 'POST' as const,
      path: '/products/batch',
      body: { kind: 'json' as const, value: batch },
      idempotencyKey: 'batch-IDEM-0',
      responseType: 'json' as const,
    };
    const first = await c.request(req);
    assert.deepEqual(first.body, { accepted: 100, created: 100, updated: 0 });
    assert.equal(c.stats().rateLimited, 2);
    const again = await c.request(req);
    assert.equal(again.replayed, true);
    assert.deepEqual(again.body, first.body);
    const stats = used.sim.stats();
    assert.equal(stats.replays, 1);
    assert.equal(stats.duplicatePosts, 0);
  });

  it('fails a batch with a bad record as API_REJECTED with the field errors of every bad record', async () => {
    const c = open();
    const batch: unknown[] = products(5, 'BAD');
    batch[1] = { sku: 'BAD-1', name: 'x', price: -1 };
    batch[3] = { name: 'no sku', price: 1 };
    const err = await expectCode(
      c.request({ method: 'POST', path: '/products/batch', body: { kind: 'json', value: batch }, responseType: 'json' }),
      'API_REJECTED',
      /HTTP 422/,
    );
    const fe = err.details.fieldErrors as { index?: number; field?: string; message: string }[];
    assert.deepEqual(
      fe.map((e) => [e.index, e.field]),
      [
        [1, 'price'],
        [3, 'sku'],
      ],
    );
    await expectCode(c.request({ method: 'GET', path: '/products/NOPE-1', responseType: 'json' }), 'NOT_FOUND', /HTTP 404/);
  });

  it('streams a backup download and raw and multipart media uploads, checked by SHA-256', async () => {
    const c = open();
    const backup = await used.sim.addBackup('big.tar.gz', 3 * 1024 * 1024 + 5);
    const down = await c.request({ method: 'GET', path: `/backups/${backup.id}/content`, responseType: 'stream' });
    assert.equal(down.headers['content-length'], String(backup.size));
    assert.equal(sha(await readStream(down.stream as Readable)), backup.sha256);
    const data = randomBytes(2 * 1024 * 1024 + 3);
    const put = await c.request({
      method: 'PUT',
      path: '/media/raw.bin',
      body: { kind: 'stream', open: () => Readable.from([data]), size: data.length },
      responseType: 'json',
    });
    assert.equal(put.status, 201);
    assert.equal((put.body as { sha256: string }).sha256, sha(data));
    const multi = await c.request({
      method: 'POST',
      path: '/media',
      body: { kind: 'multipart', field: 'file', filename: 'multi.bin', open: Readable.from([data]), fields: { title: 'T' } },
      responseType: 'json',
    });
    assert.equal(multi.status, 201);
    assert.deepEqual(
      [(multi.body as { name: string }).name, (multi.body as { size: number }).size, (multi.body as { sha256: string }).sha256],
      ['multi.bin', data.length, sha(data)],
    );
  });

  it('fails a download the server cuts off with CONNECTION, naming how much came', async () => {
    const c = open();
    const backup = await used.sim.addBackup('cut.tar.gz', 2 * 1024 * 1024);
    used.sim.setFaults({ dropAfterBytes: 100_000 });
    const down = await c.request({ method: 'GET', path: `/backups/${backup.id}/content`, responseType: 'stream' });
    const err = await expectCode(readStream(down.stream as Readable), 'CONNECTION', /broke off after \d+ bytes/);
    assert.ok((err.details.received as number) >= 100_000 && (err.details.received as number) < backup.size);
  });

  it('retries GETs through 503s and gives up as CONNECTION when they do not stop', async () => {
    const c = open({ retries: 2 });
    used.sim.setFaults({ errorRate: 1, retryAfterSeconds: 0 });
    const before = used.sim.stats().injectedErrors;
    await expectCode(c.request({ method: 'GET', path: '/ping', responseType: 'json' }), 'CONNECTION', /HTTP 503/);
    assert.equal(used.sim.stats().injectedErrors - before, 3);
  });

  it('tests a connection: status and time, a 404 path still signed in, a refused sign-in as AUTHENTICATION', async () => {
    const sim = used.sim;
    const options = (fields: RestConnectionFields, password = sim.password) =>
      restOptionsFromConfig({ baseUrl: sim.apiUrl, proxy: 'none', authType: 'basic', username: sim.user, ...fields }, { ...restSimCredentials(sim), password });
    const ok = await testRestConnection(options({ testPath: '/ping' }));
    assert.equal(ok.status, 200);
    assert.equal(ok.authenticated, true);
    assert.ok(ok.ms >= 0 && ok.ms < 10_000);
    const missing = await testRestConnection(options({}), '/no-such-thing');
    assert.deepEqual([missing.status, missing.authenticated], [404, true]);
    const err = await expectCode(testRestConnection(options({ testPath: '/ping' }, 'wrong-password-9')), 'AUTHENTICATION', /HTTP 401/);
    assert.ok(!`${err.message}${JSON.stringify(err.details)}`.includes('wrong-password-9'));
  });
});
