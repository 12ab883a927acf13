import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { LocalHome } from '../../../../dev/servers/home';
import type { PreparedExample } from '../../../../dev/sandbox/flows';
import { sampleNameFor, startArrivals, watchedFolders } from '../../../../dev/sandbox/samples';

const when = new Date(2026, 10, 2, 10, 0, 0);

function example(disabledBecause: string | undefined, nodes: PreparedExample['nodes']): PreparedExample {
  return { name: 'x', prefix: 'p-', tabId: 't', tabLabel: 'X', disabledBecause, nodes };
}

describe('sandbox sample files for watched folders', () => {
  it('names samples the include glob accepts, unique per arrival', () => {
    // The include as a watch takes it, and the glob the name must match (a list: its first entry).
    const cases: [string, string][] = [
      ['INV_*.pdf', 'INV_*.pdf'],
      ['*.{pdf,PDF}', '*.{pdf,PDF}'],
      ['**/CTR-*.pdf', '**/CTR-*.pdf'],
      ['report_??_*.csv', 'report_??_*.csv'],
      ['[A-Z]*_in.xml', '[A-Z]*_in.xml'],
      ['*.pdf, *.tif', '*.pdf'],
    ];
    for (const [glob, matcher] of cases) {
      const name = sampleNameFor(glob, 7, when);
      assert.ok(name, `no name for ${glob}`);
      assert.ok(picomatch(matcher)(name), `${name} does not match ${glob}`);
      assert.notEqual(sampleNameFor(glob, 8, when), name, 'two arrivals, one name');
    }
    assert.equal(sampleNameFor('INV_*.pdf', 3, when), 'INV_20261102-100000-3.pdf');
    assert.match(sampleNameFor('', 1, when) ?? '', /^arrival-20261102-100000-1\.txt$/);
    assert.equal(sampleNameFor('orders.xml', 1, when), undefined, 'a fixed name would only ever be one file');
  });

  it('finds the folders of watch nodes in running examples only', () => {
    const found = watchedFolders([
      example(undefined, [
        { id: 'a', type: 'filebridge-watch', folder: '/partners/acme/in/', include: 'INV_*.pdf' },
        { id: 'b', type: 'filebridge-watch', folder: 'partners/acme/in', include: 'INV_*.pdf' },
        { id: 'c', type: 'filebridge-watch', folder: 'inbox' },
        { id: 'd', type: 'filebridge-watch', folder: 'off', d: true },
        { id: 'e', type: 'filebridge-watch', folder: '../escape' },
        { id: 'f', type: 'filebridge-remote', path: 'inbox' },
      ]),
      example('FTPS needs root', [{ id: 'g', type: 'filebridge-watch', folder: 'ftp-only' }]),
    ]);
    assert.deepEqual(found, [
      { folder: 'partners/acme/in', include: 'INV_*.pdf' },
      { folder: 'inbox', include: '' },
    ]);
  });

  it('drops matching files into each watched folder besides inbox/', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sandbox-samples-'));
    const home = new LocalHome(root, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    const seen: string[] = [];
    const arrivals = startArrivals(
      home,
      50,
      (p) => seen.push(p),
      (err) => assert.fail(err),
      [
        { folder: 'partners/acme/in', include: 'INV_*.pdf' },
        { folder: 'inbox', include: '' },
      ],
    );
    try {
      const deadline = Date.now() + 5000;
      while (seen.filter((p) => p.startsWith('partners/')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      arrivals.stop();
    }
    const pdfs = await readdir(join(root, 'partners/acme/in'));
    assert.ok(pdfs.length >= 2, `only ${pdfs.join(', ')}`);
    for (const f of pdfs) {
      assert.match(f, /^INV_\d{8}-\d{6}-\d+\.pdf$/);
      assert.match(await readFile(join(root, 'partners/acme/in', f), 'utf8'), /^%PDF-1\.4/);
    }
    assert.ok((await readdir(join(root, 'inbox'))).some((f) => f.startsWith('arrival-')));
    await rm(root, { recursive: true, force: true });
  });

  it("uses the example's producer (setup table first) and lands the first round within seconds even with a long interval", async function () {
    this.timeout(20_000);
    const root = await mkdtemp(join(tmpdir(), 'sandbox-samples-'));
    const home = new LocalHome(root, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    const nodes = [{ id: 'm', type: 'filebridge-map-metadata', tableFrom: 'remote', tableValue: 'acme/config/vendors.csv' }];
    const seen: string[] = [];
    const started = Date.now();
    const arrivals = startArrivals(
      home,
      600_000,
      (p) => seen.push(p),
      (err) => assert.fail(err),
      [{ folder: 'acme/inbox', include: '', example: 'ftp-cs-08', nodes }],
    );
    try {
      const deadline = Date.now() + 10_000;
      while (!seen.some((p) => p.startsWith('acme/inbox/')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      arrivals.stop();
    }
    assert.ok(Date.now() - started < 10_000, 'no first round within 10 s');
    assert.match(await readFile(join(root, 'acme/config/vendors.csv'), 'utf8'), /^code,name\nACME,/);
    const invoices = await readdir(join(root, 'acme/inbox'));
    assert.equal(invoices.length, 1, invoices.join(', '));
    assert.match(invoices[0], /^INV_ACME_\d{8}_0001\.pdf$/, "the producer's name, not one made from the glob");
    await rm(root, { recursive: true, force: true });
  });
});
