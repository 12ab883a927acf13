/** Categories by name: uploads carrying them (simulator); resolution and conversion are in test/unit/core/content-server/categories.test.ts. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ContentServerClient } from '../../../../src/core/content-server';
import { FileBridgeError } from '../../../../src/core/errors';
import { startContentServerSim, type ContentServerSim } from '../../../../dev/sim/content-server';

describe('content-server categories', () => {
  describe('against the simulator', () => {
    let sim: ContentServerSim;
    let client: ContentServerClient;
    let folder: number;

    before(async () => {
      sim = await startContentServerSim();
      client = new ContentServerClient({ baseUrl: `${sim.url}/otcs/cs.exe/api`, auth: { kind: 'password', username: 'Admin', password: 'livelink' } });
      folder = await client.resolveFolder('Enterprise:Invoices/2026', { create: true });
      // The folder carries the category (raw key), as folders whose documents inherit it do.
      await client.applyCategory(folder, { '9830_2': 'Default Vendor' });
    });
    after(async () => {
      await sim.stop();
    });

    it('uploads with categories by name, read back by name', async () => {
      const r = await client.upload({
        target: folder,
        name: 'inv-1.pdf',
        open: () => Readable.from([Buffer.from('%PDF')]),
        categories: { Invoice: { Vendor: 'ACME', Amount: 12.5, 'Invoice Date': '2026-03-01', Status: 'Approved' } },
      });
      const values = await client.readCategories(r.id);
      assert.equal(values.Invoice.Vendor, 'ACME');
      assert.equal(values.Invoice.Amount, 12.5);
      assert.match(String(values.Invoice['Invoice Date']), /^2026-03-01/);
      assert.equal(values.Invoice.Status, 'Approved');
    });

    it('sets categories on a new version and through applyCategory', async () => {
      const v2 = await client.upload({
        target: folder,
        name: 'inv-1.pdf',
        open: () => Readable.from([Buffer.from('%PDF-2')]),
        categories: { Invoice: { Status: 'Paid' } },
      });
      assert.equal(v2.action, 'versioned');
      assert.equal((await client.readCategories(v2.id)).Invoice.Status, 'Paid');
      await client.applyCategory(v2.id, { Invoice: { Vendor: 'Globex' } });
      const values = await client.readCategories(v2.id);
      assert.deepEqual([values.Invoice.Vendor, values.Invoice.Status], ['Globex', 'Paid']);
    });

    it('refuses a wrong attribute name before writing anything', async () => {
      await assert.rejects(
        client.upload({ target: folder, name: 'inv-2.pdf', open: () => Readable.from([Buffer.from('x')]), categories: { Invoice: { Vendr: 'ACME' } } }),
        (err: unknown) => err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && /no attribute 'Vendr'/.test(err.message),
      );
      assert.equal(await client.nodes.findChild(folder, 'inv-2.pdf'), undefined);
    });

    it('reports a value the server refuses (not one of the valid values) as CS_REJECTED', async () => {
      await assert.rejects(
        client.upload({ target: folder, name: 'inv-3.pdf', open: () => Readable.from([Buffer.from('x')]), categories: { Invoice: { Status: 'Unknown' } } }),
        (err: unknown) => err instanceof FileBridgeError && err.code === 'CS_REJECTED' && /Invalid value/.test(err.message),
      );
    });

    it('finds definitions on template nodes for folders without the category', async () => {
      const c = new ContentServerClient({
        baseUrl: `${sim.url}/otcs/cs.exe/api`,
        auth: { kind: 'password', username: 'Admin', password: 'livelink' },
        categoryTemplates: [folder],
      });
      const r = await c.upload({
        target: 'Enterprise:Inbound',
        name: 'inv-4.pdf',
        open: () => Readable.from([Buffer.from('x')]),
        categories: { Invoice: { Vendor: 'Initech' } },
      });
      assert.equal((await c.readCategories(r.id)).Invoice.Vendor, 'Initech');
    });
  });
});
