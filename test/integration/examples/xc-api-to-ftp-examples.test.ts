/**
 * The xConnector -> FTP examples (xc-02, xc-06 and the outbound half of xc-04) end to end: each example
 * file loaded as a user imports it, pointed at the shared vsftpd and one REST simulator for the file;
 * its inject fired as a click would, and the files it writes read from the FTP server and compared
 * with what the API serves.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import helper from 'node-red-node-test-helper';
import { servers } from '../../support/dev-servers';
import { nodeRedPath } from '../../support/node-red-under-test';
import { ftpFilesBelow } from '../../support/file360-example-flows';
import { arrived, fire, requestsTo, restExampleRig } from '../../support/rest-example-flows';

helper.init(nodeRedPath());

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function utcDay(): string {
  const now = new Date();
  return `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}${String(now.getUTCDate()).padStart(2, '0')}`;
}

type Product = { sku: string; name: string; price: number; currency?: string; category?: string };
type Change = { sku: string; warehouse: string; quantity: number; changedAt: string };
type Backup = { id: string; name: string; size: number; sha256: string };

/** One CSV field as a minimal writer puts it: quoted only when it holds the delimiter, a quote or a line break. */
function field(value: string, delimiter: string): string {
  return value.includes(delimiter) || value.includes('"') || /[\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

describe('xConnector -> FTP examples (REST simulator, vsftpd)', function () {
  this.timeout(120_000);
  const rig = restExampleRig({ seed: { products: 250 } });

  async function allProducts(): Promise<Product[]> {
    const out: Product[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = (await rig.api('GET', `/products?offset=${offset}&limit=500`)).body as { items: Product[]; total: number };
      out.push(...page.items);
      if (page.items.length < 500) return out;
    }
  }

  it("xc-02: the API's products, fetched page by page, become the retailer's CSV in its FTP folder", async () => {
    const s = servers();
    await s.remove('xc-02');
    const products = await allProducts();
    assert.ok(products.length >= 250, `the simulator holds ${products.length} products`);
    const pagesBefore = requestsTo(await rig.inspect().stats(), /^GET \/api\/v1\/products$/);
    const { example, out } = await rig.load('xc-02 API products as partner CSV on FTP.json', ['delivered', 'error code and text']);
    fire(example, 'Export now');
    const [delivered] = await arrived(out, 'delivered', 1, ['error code and text']);
    const path = `xc-02/outbox/products_${utcDay()}.csv`;
    assert.equal((delivered.filebridge?.put as { path: string }).path, path);
    const text = (await s.readFile(path)).toString();
    const lines = text.split('\r\n');
    assert.equal(lines[0], 'Artikel;Bezeichnung;Preis;Waehrung;Warengruppe');
    assert.equal(lines.at(-1), '', 'the file ends with a line break');
    assert.equal(lines.length - 2, products.length, 'one row per product');
    for (const p of [products[0], products[137], products.at(-1) as Product]) {
      const row = [p.sku, p.name, p.price.toFixed(2).replace('.', ','), p.currency ?? '', p.category ?? ''].map((v) => field(v, ';')).join(';');
      assert.ok(lines.includes(row), `row ${row} in ${lines.slice(0, 3).join(' | ')}`);
    }
    const pages = requestsTo(await rig.inspect().stats(), /^GET \/api\/v1\/products$/) - pagesBefore;
    assert.equal(pages, Math.floor(products.length / 100) + 1, 'offset paging, 100 per page');
    assert.equal((await rig.inspect().stats()).authModes.apiKeyHeader > 0, true, 'the example sends its API key in the X-API-Key header');
    assert.deepEqual(await ftpFilesBelow('xc-02/outbox'), [`products_${utcDay()}.csv`], 'no temporary file left');
    assert.equal(out.of('error code and text').length, 0);
  });

  it('xc-06: backup packages are archived on FTP with a .sha256 file that matches the Digest the API sends; a second run downloads nothing', async () => {
    const s = servers();
    await s.remove('xc-06');
    // Besides the simulator's two seeded packages, one of a few MiB.
    for (const [name, size] of [['erp-backup-20261207.tar.gz', 3 * 1024 * 1024 + 17]] as const) {
      const res = await fetch(`${rig.sim().url}/_sim/backups`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name, size }),
      });
      assert.ok(res.status < 300, `backup ${name}: ${res.status}`);
    }
    const backups = (await rig.api('GET', '/backups')).body as Backup[];
    const { example, out } = await rig.load('xc-06 Backup packages archived with checksums.json', ['archived', 'checksum mismatch', 'error code and text']);
    fire(example, 'Archive now');
    await arrived(out, 'archived', backups.length, ['error code and text', 'checksum mismatch']);
    for (const b of backups) {
      const data = await s.readFile(`xc-06/archive/${b.name}`);
      const res = await fetch(`${rig.sim().apiUrl}/backups/${encodeURIComponent(b.id)}/content`, {
        headers: { Authorization: `Bearer ${rig.sim().bearerToken}` },
      });
      const digest = /sha-256=([A-Za-z0-9+/=]+)/i.exec(res.headers.get('digest') ?? '')?.[1];
      await res.body?.cancel();
      assert.ok(digest, `the API sends a Digest for ${b.name}`);
      const fromDigest = Buffer.from(digest, 'base64').toString('hex');
      assert.equal(data.length, b.size);
      assert.equal(sha256(data), fromDigest, `${b.name}: the archived bytes are the ones the API sent`);
      assert.equal((await s.readFile(`xc-06/archive/${b.name}.sha256`)).toString(), `${fromDigest}  ${b.name}\n`);
    }
    assert.equal((await rig.inspect().stats()).authModes.apiKeyQuery > 0, true, 'the example sends its API key as the api_key query parameter');

    const downloads = requestsTo(await rig.inspect().stats(), /^GET \/api\/v1\/backups\/\{id\}\/content$/);
    fire(example, 'Archive now');
    await sleep(2000);
    assert.equal(
      requestsTo(await rig.inspect().stats(), /^GET \/api\/v1\/backups\/\{id\}\/content$/),
      downloads,
      'an archived package is not downloaded again',
    );
    assert.equal(out.of('archived').length, backups.length);
    assert.equal(out.of('checksum mismatch').length, 0);
    assert.equal(out.of('error code and text').length, 0);
  });

  it('xc-04 (out): the inventory changes, followed cursor by cursor, go to the partner as one batch file', async () => {
    const s = servers();
    await s.remove('xc-04');
    const changes: Change[] = [];
    for (let cursor = ''; ;) {
      const page = (await rig.api('GET', `/inventory/changes?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body as {
        data: Change[];
        next_cursor: string | null;
      };
      changes.push(...page.data);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    assert.ok(changes.length > 0, 'the simulator has inventory changes');
    const { example, out } = await rig.load('xc-04 Inventory sync with partner availability files.json', ['changes sent', 'error code and text']);
    fire(example, 'Send changes now');
    const [sent] = await arrived(out, 'changes sent', 1, ['error code and text']);
    const path = (sent.filebridge?.put as { path: string }).path;
    assert.match(path, /^xc-04\/outbox\/inventory_\d{8}-\d{6}\.csv$/);
    const lines = (await s.readFile(path)).toString().split('\n');
    assert.equal(lines[0], 'sku,warehouse,quantity,changed_at');
    assert.equal(lines.length - 2, changes.length, 'one row per change');
    const c = changes[0];
    assert.equal(lines[1], [c.sku, c.warehouse, String(c.quantity), c.changedAt].map((v) => field(v, ',')).join(','));
    assert.equal((await rig.inspect().stats()).authModes.basic > 0, true, 'the example logs in with HTTP Basic');
    assert.equal(out.of('error code and text').length, 0);
  });
});
