/**
 * The FTP -> xConnector examples (xc-01, xc-03, xc-05 and the two-way xc-07) end to end: each example
 * file loaded as a user imports it, pointed at the shared vsftpd and one REST simulator for the file;
 * files dropped on the FTP server as partners would, and the outcome read from the simulator's
 * inspection routes (what it stored, which requests it got) and the FTP server's files.
 */
import { strict as assert } from 'node:assert';
import helper from 'node-red-node-test-helper';
import { servers } from '../../support/dev-servers';
import { nodeRedPath } from '../../support/node-red-under-test';
import { ftpFilesBelow, ftpJson, waitFor } from '../../support/file360-example-flows';
import { arrived, fire, requestsTo, restExampleRig, type SimRecord } from '../../support/rest-example-flows';

helper.init(nodeRedPath());

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const jpeg = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]), Buffer.from(text)]);

/** The UTC date the `{yyyy}{MM}{dd}` tokens give now. */
function utcDay(): string {
  const now = new Date();
  return `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}${String(now.getUTCDate()).padStart(2, '0')}`;
}

type Report = { file: string; error: { code?: string; message: string } };

describe('FTP -> xConnector examples (vsftpd, REST simulator)', function () {
  this.timeout(120_000);
  const rig = restExampleRig();

  async function product(sku: string): Promise<SimRecord | undefined> {
    const res = await rig.api('GET', `/products/${encodeURIComponent(sku)}`);
    return res.status === 200 ? (res.body as SimRecord) : undefined;
  }

  it('xc-01: a supplier catalogue becomes products in the API, posted in batches of 1,000, then archived on FTP', async () => {
    const s = servers();
    const folder = 'xc-01/catalogue';
    await s.remove('xc-01');
    await s.mkdirp(folder);
    const rows = Array.from(
      { length: 1200 },
      (_, i) => `XC01-${String(i + 1).padStart(5, '0')},"Bolt M${i % 20}, zinc",${(i / 4 + 0.25).toFixed(2)},EUR,Fasteners`,
    );
    await s.writeFile(`${folder}/catalogue_acme_20261201.csv`, `sku,name,price,currency,category\n${rows.join('\n')}\n`);
    const before = requestsTo(await rig.inspect().stats(), /^POST \/api\/v1\/products\/batch$/);
    const { out } = await rig.load('xc-01 Catalogue files posted to the ERP API.json', ['posted', 'rejected']);

    const [posted] = await arrived(out, 'posted', 1, ['rejected']);
    const rest = posted.filebridge?.rest as { records?: number; batches?: number; status?: number };
    assert.equal(rest.records, 1200);
    assert.equal(rest.batches, 2);
    assert.equal(requestsTo(await rig.inspect().stats(), /^POST \/api\/v1\/products\/batch$/) - before, 2, 'two requests of up to 1,000 records');
    const stored = new Map((await rig.inspect().records('products')).filter((p) => p.sku.startsWith('XC01-')).map((p) => [p.sku, p]));
    assert.equal(stored.size, 1200, 'every row stored once');
    assert.deepEqual(
      { name: stored.get('XC01-00003')?.name, price: stored.get('XC01-00003')?.price, category: stored.get('XC01-00003')?.category },
      { name: 'Bolt M2, zinc', price: 0.75, category: 'Fasteners' },
    );
    assert.equal((await rig.inspect().stats()).authModes.oauth > 0, true, 'the example signs in with OAuth2 client credentials');
    await waitFor('the catalogue archived', async () => (await ftpFilesBelow(folder)).some((f) => f.startsWith('.filebridge/archive/')));
    assert.deepEqual(
      (await ftpFilesBelow(folder)).filter((f) => !f.startsWith('.filebridge/archive/')),
      [],
      'nothing left in the drop folder but the archive',
    );
    assert.equal(out.of('rejected').length, 0);
  });

  it('xc-01: a catalogue with a price that is no number is rejected with its report and posts nothing', async () => {
    const s = servers();
    const folder = 'xc-01/catalogue';
    await s.remove('xc-01');
    await s.mkdirp(folder);
    await s.writeFile(`${folder}/catalogue_acme_20261202.csv`, 'sku,name,price,currency,category\nXC01-BAD-1,Nut,0.10,EUR,\nXC01-BAD-2,Washer,ten,EUR,\n');
    const { out } = await rig.load('xc-01 Catalogue files posted to the ERP API.json', ['posted', 'rejected']);
    const [rejected] = await out.count('rejected', 1);
    const q = rejected.filebridge?.quarantine as { path: string; reportPath: string };
    assert.match(q.path, /\.filebridge\/failed\//);
    assert.equal(await product('XC01-BAD-1'), undefined, 'not even the good row was posted');
    assert.equal(out.of('posted').length, 0);
  });

  it('xc-03: media are looked up by the SKU in their name and moved into the category folder of the DAM FTP; an unknown SKU is set aside', async () => {
    const s = servers();
    await s.remove('xc-03');
    await s.mkdirp('xc-03/incoming');
    const added = await rig.api('POST', '/products/batch', [
      { sku: 'XC03-100', name: 'Garden chair', price: 49.9, currency: 'EUR', category: 'Garden' },
      { sku: 'XC03-200', name: 'Desk lamp', price: 19.5, currency: 'EUR', category: 'Home & Office' },
    ]);
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const chair = jpeg('garden chair, front view, '.repeat(5000));
    const lamp = jpeg('desk lamp, detail');
    await s.writeFile('xc-03/incoming/XC03-100_front.jpg', chair);
    await s.writeFile('xc-03/incoming/XC03-200_detail.JPG', lamp);
    await s.writeFile('xc-03/incoming/XC03-999_front.jpg', jpeg('not in the PIM'));
    const { out } = await rig.load('xc-03 Media filed by the product lookup.json', ['filed', 'set aside']);

    const filed = await out.count('filed', 2, 60_000);
    assert.deepEqual(filed.map((m) => (m.filebridge?.put as { path: string }).path).sort(), [
      'xc-03/library/garden/XC03-100_front.jpg',
      'xc-03/library/home _ office/XC03-200_detail.jpg',
    ]);
    assert.deepEqual(await s.readFile('xc-03/library/garden/XC03-100_front.jpg'), chair);
    assert.deepEqual(await s.readFile('xc-03/library/home _ office/XC03-200_detail.jpg'), lamp);
    const [aside] = await out.count('set aside', 1);
    const q = aside.filebridge?.quarantine as { path: string; reportPath: string };
    assert.match(q.path, /^xc-03\/incoming\/\.filebridge\/failed\/.*XC03-999_front\.jpg$/);
    const report = await ftpJson<Report>(q.reportPath);
    assert.equal(report.error.code, 'NOT_FOUND');
    await waitFor('the filed media removed from incoming', async () =>
      (await ftpFilesBelow('xc-03/incoming')).every((f) => f.startsWith('.filebridge/failed/')),
    );
  });

  it('xc-05: a failing file is quarantined with its report and a notification, and the API gets no request at all for it', async () => {
    const s = servers();
    const folder = 'xc-05/intake';
    await s.remove('xc-05');
    await s.mkdirp(folder);
    const { out } = await rig.load('xc-05 Strict intake with quarantine and notification.json', ['accepted', 'notification']);
    const apiCalls = async (): Promise<number> => requestsTo(await rig.inspect().stats(), /./);
    const before = await apiCalls();
    await s.writeFile(`${folder}/products_acme_20261202.csv`, 'sku,name,price,currency\nXC05-3,Drill,99.00,EUR\nXC05-4,Level,twelve,EUR\n');
    await s.writeFile(`${folder}/products_acme_20261202.csv.done`, '');
    await s.writeFile(`${folder}/Products ACME.csv`, 'sku,name,price,currency\nXC05-5,Tape,3.00,EUR\n');
    await s.writeFile(`${folder}/Products ACME.csv.done`, '');
    const notes = await out.count('notification', 2);
    const byFile = new Map(notes.map((m) => [String(m.topic), m]));
    const bad = byFile.get('Rejected supplier file products_acme_20261202.csv');
    assert.ok(bad, `notifications: ${[...byFile.keys()].join(', ')}`);
    assert.match(String(bad.payload), /price/, 'the notification says what is wrong');
    assert.match(String(bad.payload), /xc-05\/intake\/\.filebridge\/failed\//, 'and where the file is kept');
    const details = bad.notification as { file: string; report: string; errors: { rule: string }[] };
    assert.equal(details.file, 'products_acme_20261202.csv');
    assert.ok(
      details.errors.some((e) => e.rule === 'csv'),
      JSON.stringify(details.errors),
    );
    assert.ok(byFile.get('Rejected supplier file Products ACME.csv'), 'the badly named file is notified too');
    for (const m of notes) {
      const q = m.filebridge?.quarantine as { path: string; reportPath: string };
      assert.match(q.path, /^xc-05\/intake\/\.filebridge\/failed\//);
      assert.equal(await s.exists(q.path), true, 'the file is kept in the quarantine folder');
      assert.equal(await s.exists(q.reportPath), true, 'with its error report beside it');
    }
    await sleep(2500);
    assert.equal(await apiCalls(), before, 'no request reached the API (not even a token request)');
    assert.equal(out.of('accepted').length, 0);
    assert.equal(await product('XC05-3'), undefined, 'not even the good row of the failing file');
  });

  it('xc-05: a complete, well-formed file is taken only once its marker is there, then posted and archived', async () => {
    const s = servers();
    const folder = 'xc-05/intake';
    await s.remove('xc-05');
    await s.mkdirp(folder);
    const { out } = await rig.load('xc-05 Strict intake with quarantine and notification.json', ['accepted', 'notification']);
    await s.writeFile(`${folder}/products_acme_20261201.csv`, 'sku,name,price,currency\nXC05-1,Hammer,12.50,EUR\nXC05-2,Saw,21.00,EUR\n');
    await sleep(2500);
    assert.equal(out.of('accepted').length, 0, 'a file without its .done marker is not taken');
    assert.equal(await s.exists(`${folder}/products_acme_20261201.csv`), true);
    await s.writeFile(`${folder}/products_acme_20261201.csv.done`, '');
    const [accepted] = await arrived(out, 'accepted', 1, ['notification']);
    assert.equal((accepted.filebridge?.rest as { records: number }).records, 2);
    assert.equal((await product('XC05-1'))?.price, 12.5);
    assert.equal((await product('XC05-2'))?.name, 'Saw');
    await waitFor('the file archived', async () => (await ftpFilesBelow(folder)).some((f) => f.startsWith('.filebridge/archive/')));
  });

  it('xc-07: each partner format maps to one internal record, inbound and outbound', async () => {
    const s = servers();
    await s.remove('xc-07');
    for (const f of ['xc-07/nordic/in', 'xc-07/alpine/in']) await s.mkdirp(f);
    // Nordic Parts: Windows-1252, semicolons, decimal comma, CRLF.
    await s.writeFile(
      'xc-07/nordic/in/artikel_20261201.csv',
      Buffer.from(
        'Artikelnummer;Benennung;Preis;Währung;Kategorie\r\nXC07-N1;Schraube M6 Größe 2;0,35;EUR;Befestigung\r\nXC07-N2;Mutter;1234,50;EUR;Befestigung\r\n',
        'latin1',
      ),
    );
    // Alpine Supply: JSON lines with its own names.
    await s.writeFile(
      'xc-07/alpine/in/items_20261201.jsonl',
      '{"item_code":"XC07-A1","description":"Rope 10 m","unit_price":12.9,"ccy":"CHF","group":"Climbing"}\n{"item_code":"XC07-A2","description":"Carabiner","unit_price":7,"ccy":"CHF","group":"Climbing"}\n',
    );
    const { example, out } = await rig.load('xc-07 Two partners, one record structure.json', ['received', 'set aside', 'published', 'error code and text']);
    await arrived(out, 'received', 2, ['set aside']);
    const n1 = await product('XC07-N1');
    assert.deepEqual(
      { name: n1?.name, price: n1?.price, currency: n1?.currency, category: n1?.category },
      {
        name: 'Schraube M6 Größe 2',
        price: 0.35,
        currency: 'EUR',
        category: 'Befestigung',
      },
    );
    assert.equal((await product('XC07-N2'))?.price, 1234.5);
    const a1 = await product('XC07-A1');
    assert.deepEqual(
      { name: a1?.name, price: a1?.price, currency: a1?.currency, category: a1?.category },
      {
        name: 'Rope 10 m',
        price: 12.9,
        currency: 'CHF',
        category: 'Climbing',
      },
    );

    fire(example, 'Publish catalogue');
    const published = await arrived(out, 'published', 2, ['error code and text']);
    const day = utcDay();
    assert.deepEqual(published.map((m) => (m.filebridge?.put as { path: string }).path).sort(), [
      `xc-07/alpine/out/catalogue_${day}.jsonl`,
      `xc-07/nordic/out/katalog_${day}.csv`,
    ]);
    // The Alpine product goes to Nordic Parts in Nordic's format, and the Nordic one to Alpine Supply in Alpine's.
    const nordic = (await s.readFile(`xc-07/nordic/out/katalog_${day}.csv`)).toString('latin1');
    assert.ok(nordic.startsWith('Artikelnummer;Benennung;Preis;Währung;Kategorie\r\n'), nordic.slice(0, 200));
    assert.match(nordic, /\r\nXC07-A1;Rope 10 m;12,90;CHF;Climbing\r\n/);
    assert.match(nordic, /\r\nXC07-N1;Schraube M6 Größe 2;0,35;EUR;Befestigung\r\n/);
    const alpine = (await s.readFile(`xc-07/alpine/out/catalogue_${day}.jsonl`))
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const n1Out = alpine.find((r) => r.item_code === 'XC07-N1');
    assert.deepEqual(n1Out, { item_code: 'XC07-N1', description: 'Schraube M6 Größe 2', unit_price: 0.35, ccy: 'EUR', group: 'Befestigung' });
    assert.ok(
      alpine.some((r) => r.item_code === 'XC07-A2'),
      'every product of the API is in the file',
    );
    assert.equal(out.of('set aside').length, 0);
    assert.equal(out.of('error code and text').length, 0);
  });
});
