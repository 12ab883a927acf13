/** Categories by name: resolution and conversion (pure), and uploads carrying them (simulator). */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ContentServerClient, resolveCategoryValues, type CategoryDefinition } from '../../../src/core/content-server';
import { FileBridgeError } from '../../../src/core/errors';
import { startContentServerSim, type ContentServerSim } from '../../../dev/sim/content-server';

const INVOICE: CategoryDefinition = {
  id: 9830,
  name: 'Invoice',
  attributes: [
    { key: '9830_2', name: 'Vendor', type: 'string', multiValue: false, required: false },
    { key: '9830_3', name: 'Amount', type: 'real', multiValue: false, required: false },
    { key: '9830_4', name: 'Invoice Date', type: 'date', multiValue: false, required: false },
    { key: '9830_5', name: 'Count', type: 'integer', multiValue: false, required: false },
    { key: '9830_6', name: 'Paid', type: 'boolean', multiValue: false, required: false },
    { key: '9830_7', name: 'Tags', type: 'string', multiValue: true, required: false },
  ],
};

function code(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FileBridgeError);
    return { code: err.code, message: err.message };
  }
  assert.fail('expected an error');
}

describe('content-server categories', () => {
  describe('resolution (pure)', () => {
    it('maps names case-insensitively to flat keys and converts types', () => {
      const flat = resolveCategoryValues(
        { invoice: { vendor: 'ACME', Amount: '12,5', 'Invoice Date': '2026-03-01T10:00:00Z', Count: '3', Paid: 'true', Tags: ['a', 1] } },
        [INVOICE],
      );
      assert.deepEqual(flat, { '9830_1': {}, '9830_2': 'ACME', '9830_3': 12.5, '9830_4': '2026-03-01', '9830_5': 3, '9830_6': true, '9830_7': ['a', '1'] });
      assert.deepEqual(resolveCategoryValues({ Invoice: { 'Invoice Date': new Date(Date.UTC(2026, 0, 2)) } }, [INVOICE]), { '9830_1': {}, '9830_4': '2026-01-02' });
    });

    it('passes raw keys through and marks their category', () => {
      assert.deepEqual(resolveCategoryValues({ '9830_2': 'X', '9840_1_2_3': 'Y' }, []), { '9830_2': 'X', '9830_1': {}, '9840_1_2_3': 'Y', '9840_1': {} });
    });

    it('names the unknown category or attribute, and the bad value', () => {
      assert.match(code(() => resolveCategoryValues({ Invoce: { Vendor: 'x' } }, [INVOICE])).message, /Unknown category 'Invoce' \(known here: 'Invoice'\)/);
      const e = code(() => resolveCategoryValues({ Invoice: { Vendr: 'x' } }, [INVOICE]));
      assert.equal(e.code, 'INVALID_INPUT');
      assert.match(e.message, /Category 'Invoice' has no attribute 'Vendr' \(it has: 'Vendor', 'Amount'/);
      assert.match(code(() => resolveCategoryValues({ Invoice: { Count: 1.5 } }, [INVOICE])).message, /'Count' \(9830_5\): 1.5 is not a whole number/);
      assert.match(code(() => resolveCategoryValues({ Invoice: { 'Invoice Date': '03/01/2026' } }, [INVOICE])).message, /not a date/);
      assert.match(code(() => resolveCategoryValues({ Invoice: { Vendor: ['a', 'b'] } }, [INVOICE])).message, /single value/);
      assert.match(code(() => resolveCategoryValues({ Invoice: { Paid: 'maybe' } }, [INVOICE])).message, /true or false/);
    });
  });

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
      const v2 = await client.upload({ target: folder, name: 'inv-1.pdf', open: () => Readable.from([Buffer.from('%PDF-2')]), categories: { Invoice: { Status: 'Paid' } } });
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
      const c = new ContentServerClient({ baseUrl: `${sim.url}/otcs/cs.exe/api`, auth: { kind: 'password', username: 'Admin', password: 'livelink' }, categoryTemplates: [folder] });
      const r = await c.upload({ target: 'Enterprise:Inbound', name: 'inv-4.pdf', open: () => Readable.from([Buffer.from('x')]), categories: { Invoice: { Vendor: 'Initech' } } });
      assert.equal((await c.readCategories(r.id)).Invoice.Vendor, 'Initech');
    });
  });
});
