/**
 * The CLI (`npm run sim:rest`) in a child process: the JSON start line with every credential, its
 * options, and one million posted products with the simulator's memory measured (records go to a
 * JSONL file; memory holds a compact index per key).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimCli, stopSimCli } from '../../../../support/sim-cli';

const basic = (user: string, pw: string): string => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

describe('REST simulator: CLI', function () {
  this.timeout(600000);

  it('prints url, apiUrl, tokenUrl and every credential as one JSON line and takes its options', async function () {
    const data = mkdtempSync(join(tmpdir(), 'rest-cli-'));
    const s = await startSimCli('rest', [
      '--port',
      '0',
      '--data',
      data,
      '--products',
      '7',
      '--user',
      'cli-user',
      '--password',
      'cli-pw',
      '--bearer-token',
      'cli-token',
      '--api-key',
      'cli-key',
      '--client-id',
      'cli-client',
      '--client-secret',
      'cli-secret',
      '--latency',
      '1',
      '--status429',
      '1',
      '--retry-after',
      '3',
    ]);
    try {
      const l = s.line;
      assert.match(l.url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(l.apiUrl, `${l.url}/api/v1`);
      assert.equal(l.tokenUrl, `${l.url}/oauth/token`);
      assert.deepEqual(
        [l.user, l.password, l.bearerToken, l.apiKey, l.clientId, l.clientSecret, l.dataDir],
        ['cli-user', 'cli-pw', 'cli-token', 'cli-key', 'cli-client', 'cli-secret', data],
      );
      const first = await fetch(`${l.apiUrl}/products`, { headers: { Authorization: basic('cli-user', 'cli-pw') } });
      assert.deepEqual([first.status, first.headers.get('retry-after')], [429, '3']);
      const a = await fetch(`${l.apiUrl}/products`, { headers: { Authorization: basic('cli-user', 'cli-pw') } });
      assert.equal(((await a.json()) as { total: number }).total, 7);
      const tok = await fetch(l.tokenUrl ?? '', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=cli-client&client_secret=cli-secret',
      });
      assert.equal(tok.status, 200);
      assert.ok(statSync(join(data, 'products.jsonl')).size > 0, 'records in the data dir');
    } finally {
      await stopSimCli(s);
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('refuses an unknown option and a non-number', async function () {
    await assert.rejects(startSimCli('rest', ['--port', '0', '--nope', '1']), /Unknown option --nope/);
    await assert.rejects(startSimCli('rest', ['--port', '0', '--latency', 'x']), /--latency needs a number/);
  });

  it('keeps its memory compact with 1,000,000 posted products (JSONL on disk, a small index per key)', async function () {
    const s = await startSimCli('rest', ['--port', '0', '--products', '0']);
    try {
      const l = s.line;
      const stats = async () =>
        (await (await fetch(`${l.url}/_sim/stats`)).json()) as { rss: number; heapUsed: number; recordsPosted: { products: number }; duplicatePosts: number };
      const auth = { Authorization: basic(l.user ?? '', l.password ?? ''), 'Content-Type': 'application/json' };
      const base = await stats();
      const t0 = Date.now();
      const TOTAL = 1_000_000;
      const BATCH = 5000;
      let peakRss = 0;
      const post = async (from: number): Promise<void> => {
        const body = JSON.stringify(
          Array.from({ length: BATCH }, (_, k) => ({
            sku: `SKU-${String(from + k).padStart(7, '0')}`,
            name: `Catalogue item ${from + k}`,
            price: (from + k) % 997,
            category: 'tools',
          })),
        );
        const res = await fetch(`${l.apiUrl}/products/batch`, { method: 'POST', headers: { ...auth, 'Idempotency-Key': `mem-${from}` }, body });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      };
      for (let from = 0; from < TOTAL; from += 2 * BATCH) {
        await Promise.all([post(from), post(from + BATCH)]);
        if (from % 100_000 === 0) peakRss = Math.max(peakRss, (await stats()).rss);
      }
      const end = await stats();
      peakRss = Math.max(peakRss, end.rss);
      const seconds = (Date.now() - t0) / 1000;
      assert.equal(end.recordsPosted.products, TOTAL);
      assert.equal(end.duplicatePosts, 0);
      // The last record reads back from the JSONL file; the capped listing pages at the far end.
      const last = await fetch(`${l.apiUrl}/products/SKU-0999999`, { headers: auth });
      assert.equal(((await last.json()) as { name: string }).name, 'Catalogue item 999999');
      const tail = (await (await fetch(`${l.url}/_sim/state?resource=products&offset=999998&limit=10`)).json()) as {
        products: { total: number; items: unknown[] };
      };
      assert.deepEqual([tail.products.total, tail.products.items.length], [TOTAL, 2]);
      const mib = (n: number): string => (n / 1024 / 1024).toFixed(0);
      console.log(
        `      1,000,000 products posted in ${seconds.toFixed(0)} s: simulator RSS ${mib(base.rss)} MiB at start, peak ${mib(peakRss)} MiB, ${mib(end.rss)} MiB at the end; heap ${mib(base.heapUsed)} -> ${mib(end.heapUsed)} MiB`,
      );
      // Kept as objects a million products take ~400 MiB of heap; the index needs far less.
      assert.ok(end.heapUsed - base.heapUsed < 160 * 1024 * 1024, `heap grew ${mib(end.heapUsed - base.heapUsed)} MiB`);
      assert.ok(peakRss < 400 * 1024 * 1024, `peak RSS ${mib(peakRss)} MiB`);
    } finally {
      await stopSimCli(s);
    }
  });
});
