/**
 * The CLI (`npm run sim:rest`) in a child process: the JSON start line with every credential, its
 * options, and one million posted products with the simulator's memory measured (records go to a
 * JSONL file; memory holds a compact index per key).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
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

  it('streams 256 MiB up (raw PUT and multipart) and a 512 MiB backup down with flat RSS', async function () {
    const s = await startSimCli('rest', ['--port', '0', '--products', '0']);
    try {
      const l = s.line;
      const key = { 'X-API-Key': l.apiKey ?? '' };
      const rss = async (): Promise<number> => ((await (await fetch(`${l.url}/_sim/stats`)).json()) as { rss: number }).rss;
      const start = await rss();
      let peak = start;
      const total = 256 * 1024 * 1024;
      const chunk = new Uint8Array(Buffer.alloc(1024 * 1024, 9));
      /** A body of `head`, `total` bytes of `chunk`, `tail`; its content sha256 in `sent`. */
      const body = (head: string, tail: string) => {
        const sent = createHash('sha256');
        let left = total;
        let step = 0;
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (step === 0) {
              step = 1;
              if (head) return controller.enqueue(new TextEncoder().encode(head));
            }
            if (left > 0) {
              left -= chunk.length;
              sent.update(chunk);
              return controller.enqueue(chunk);
            }
            if (step === 1) {
              step = 2;
              if (tail) return controller.enqueue(new TextEncoder().encode(tail));
            }
            controller.close();
          },
        });
        return { stream, sent };
      };
      const raw = body('', '');
      const put = await fetch(`${l.apiUrl}/media/big.bin`, {
        method: 'PUT',
        headers: { ...key, 'Content-Type': 'application/octet-stream' },
        body: raw.stream,
        duplex: 'half',
      } as RequestInit);
      assert.equal(put.status, 201);
      assert.deepEqual(((await put.json()) as { size: number; sha256: string }).sha256, raw.sent.digest('hex'));
      peak = Math.max(peak, await rss());
      const multi = body('--b0\r\nContent-Disposition: form-data; name="file"; filename="big2.bin"\r\n\r\n', '\r\n--b0--\r\n');
      const post = await fetch(`${l.apiUrl}/media`, {
        method: 'POST',
        headers: { ...key, 'Content-Type': 'multipart/form-data; boundary=b0' },
        body: multi.stream,
        duplex: 'half',
      } as RequestInit);
      assert.equal(post.status, 201);
      const m = (await post.json()) as { size: number; sha256: string };
      assert.deepEqual([m.size, m.sha256], [total, multi.sent.digest('hex')]);
      peak = Math.max(peak, await rss());
      const created = await fetch(`${l.url}/_sim/backups`, { method: 'POST', body: JSON.stringify({ name: 'big-backup.tar', size: 512 * 1024 * 1024 }) });
      const b = (await created.json()) as { id: string; sha256: string };
      const down = await fetch(`${l.apiUrl}/backups/${b.id}/content`, { headers: key });
      const got = createHash('sha256');
      let size = 0;
      for await (const c of down.body as unknown as AsyncIterable<Uint8Array>) {
        got.update(c);
        size += c.length;
        if (size % (64 * 1024 * 1024) < c.length) peak = Math.max(peak, await rss());
      }
      assert.equal(size, 512 * 1024 * 1024);
      assert.equal(got.digest('hex'), b.sha256);
      assert.equal(down.headers.get('digest'), `sha-256=${Buffer.from(b.sha256, 'hex').toString('base64')}`);
      peak = Math.max(peak, await rss());
      const mib = (n: number): string => (n / 1024 / 1024).toFixed(0);
      console.log(`      2 x 256 MiB up, 512 MiB down: simulator RSS ${mib(start)} MiB at start, peak ${mib(peak)} MiB`);
      assert.ok(peak - start < 96 * 1024 * 1024, `simulator RSS ${mib(start)} -> peak ${mib(peak)} MiB for 2 x 256 MiB up and 512 MiB down`);
    } finally {
      await stopSimCli(s);
    }
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
      // The key index lives outside the JS heap (~50 bytes per key); a Map of sku strings alone grew
      // the heap by ~100 MiB here, records kept as objects would take several hundred.
      assert.ok(end.heapUsed - base.heapUsed < 48 * 1024 * 1024, `heap grew ${mib(end.heapUsed - base.heapUsed)} MiB`);
      assert.ok(peakRss < 300 * 1024 * 1024, `peak RSS ${mib(peakRss)} MiB`);
    } finally {
      await stopSimCli(s);
    }
  });
});
