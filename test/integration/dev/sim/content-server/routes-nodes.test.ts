/**
 * The Content Server simulator must be as strict as the real server (shared/reference/contentserver-rest.md):
 * a client that passes here must not fail at a customer because the simulator was lax.
 * Here: node, document, version, content and category endpoints (routes-nodes.ts).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type { ContentServerSim } from '../../../../../dev/sim/content-server';
import { call, clearFaults, createDoc, fileForm, freshFolderIn, items, props, simGet, startLoggedIn, versionOf } from '../../../../support/simulator-http';

const NO_ACCESS = 'Sorry, the item you requested could not be accessed. Either it does not exist or you do not have permission to access it.';

describe('Content Server simulator: node routes', function () {
  let sim: ContentServerSim;
  let ticket: string;
  const freshFolder = (): Promise<number> => freshFolderIn(sim, ticket);

  before(async function () {
    ({ sim, ticket } = await startLoggedIn());
  });
  after(async function () {
    await sim.stop();
  });
  afterEach(function () {
    clearFaults(sim);
  });

  describe('nodes', function () {
    it('reads the Enterprise Workspace in v2 and v1 shapes', async function () {
      const v2 = await call(sim, 'GET', '/v2/nodes/2000', { ticket });
      assert.equal(v2.status, 200);
      assert.ok(v2.json?.links);
      const p = props(v2);
      assert.equal(p.id, 2000);
      assert.equal(p.type, 141);
      assert.equal(p.parent_id, -1);
      assert.equal(p.volume_id, -2000);
      assert.equal(p.container, true);
      assert.match(String(p.modify_date), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const v1 = await call(sim, 'GET', '/v1/nodes/2000', { ticket });
      assert.equal((v1.json?.data as Record<string, unknown>).id, 2000);
      const child = props(await call(sim, 'GET', '/v2/nodes/2100', { ticket }));
      assert.equal(child.volume_id, -2000);
    });

    it('answers dates without a zone in the legacy date style', async function () {
      sim.store.dateStyle = 'legacy';
      try {
        const p = props(await call(sim, 'GET', '/v2/nodes/2000', { ticket }));
        assert.match(String(p.modify_date), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      } finally {
        sim.store.dateStyle = 'zulu';
      }
    });

    it('selects fields with fields=properties{id,name}', async function () {
      const a = await call(sim, 'GET', '/v2/nodes/2000?fields=properties{id,name}', { ticket });
      assert.deepEqual(props(a), { id: 2000, name: 'Enterprise Workspace' });
    });

    it('answers a missing node with 400 "Could not get a node" on v2 read, 500 elsewhere', async function () {
      const v2 = await call(sim, 'GET', '/v2/nodes/987654', { ticket });
      assert.equal(v2.status, 400);
      assert.deepEqual(v2.json, { error: 'Could not get a node for 987654' });
      for (const [method, path] of [
        ['GET', '/v1/nodes/987654'],
        ['GET', '/v1/nodes/987654/ancestors'],
        ['DELETE', '/v2/nodes/987654'],
        ['GET', '/v2/nodes/987654/versions'],
      ] as const) {
        const a = await call(sim, method, path, { ticket });
        assert.equal(a.status, 500, `${method} ${path}`);
        assert.deepEqual(a.json, { error: NO_ACCESS });
      }
      const put = await call(sim, 'PUT', '/v2/nodes/987654', { ticket, form: { name: 'x' } });
      assert.equal(put.status, 500);
      assert.deepEqual(put.json, { error: NO_ACCESS });
    });

    it('lists ancestors root first', async function () {
      const a = await call(sim, 'GET', '/v1/nodes/2101/ancestors', { ticket });
      const chain = (a.json?.ancestors as { id: number; name: string }[]).map((x) => x.name);
      assert.deepEqual(chain, ['Enterprise Workspace', 'Partners', 'ACME']);
    });

    it('creates folders from flat fields or a body JSON field (body wins), v2 and v1 envelopes', async function () {
      const parent = await freshFolder();
      const flat = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(parent), name: 'Flat' } });
      assert.equal(flat.status, 200);
      assert.equal(props(flat).name, 'Flat');
      assert.equal(props(flat).parent_id, parent);
      assert.equal(props(flat).type_name, 'Folder');
      const both = await call(sim, 'POST', '/v2/nodes', {
        ticket,
        form: { type: '0', parent_id: String(parent), name: 'Ignored', body: JSON.stringify({ type: 0, parent_id: parent, name: 'FromBody' }) },
      });
      assert.equal(props(both).name, 'FromBody');
      const v1 = await call(sim, 'POST', '/v1/nodes', { ticket, form: { type: '0', parent_id: String(parent), name: 'V1' } });
      assert.equal(v1.status, 200);
      assert.deepEqual(Object.keys(v1.json ?? {}), ['id']);
      assert.equal(typeof v1.json?.id, 'number');
      const missing = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(parent) } });
      assert.equal(missing.status, 500);
      assert.deepEqual(missing.json, { error: 'Argument name is required' });
      const badJson = await call(sim, 'POST', '/v2/nodes', { ticket, form: { body: '{not json' } });
      assert.equal(badJson.status, 400);
    });

    it('refuses a case-insensitive name collision: v1 400, v2 500, real text', async function () {
      const parent = await freshFolder();
      await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(parent), name: 'Invoices' } });
      const v2 = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(parent), name: 'INVOICES' } });
      assert.equal(v2.status, 500);
      assert.deepEqual(v2.json, { error: "An item with the name 'INVOICES' already exists." });
      const v1 = await call(sim, 'POST', '/v1/nodes', { ticket, form: { type: '0', parent_id: String(parent), name: 'invoices' } });
      assert.equal(v1.status, 400);
      assert.deepEqual(v1.json, { error: "An item with the name 'invoices' already exists." });
      const doc = await call(sim, 'POST', '/v2/nodes', {
        ticket,
        multipart: fileForm({ type: '144', parent_id: String(parent), name: 'Invoices' }, 'x', 'x.txt'),
      });
      assert.equal(doc.status, 500);
      assert.equal(readdirSync(`${sim.store.tmpDir}`).length, 0, 'the refused upload left no temporary file');
    });

    it('browses children with where_name substring, repeated where_type, sort and paging', async function () {
      const parent = await freshFolder();
      for (const name of ['Alpha', 'alphabet', 'Beta', 'GAMMA-ALPHA', 'Delta']) {
        const a = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(parent), name } });
        assert.equal(a.status, 200);
      }
      const doc = await call(sim, 'POST', '/v2/nodes', {
        ticket,
        multipart: fileForm({ type: '144', parent_id: String(parent), name: 'alpha report.pdf' }, '%PDF', 'r.pdf'),
      });
      assert.equal(doc.status, 200, doc.text);
      const byName = items(await call(sim, 'GET', `/v2/nodes/${parent}/nodes?where_name=ALPHA`, { ticket })).map((p) => p.name);
      assert.deepEqual(byName, ['Alpha', 'alpha report.pdf', 'alphabet', 'GAMMA-ALPHA']);
      const folders = items(await call(sim, 'GET', `/v2/nodes/${parent}/nodes?where_type=0&where_name=alpha`, { ticket }));
      assert.equal(folders.length, 3);
      const docs = items(await call(sim, 'GET', `/v2/nodes/${parent}/nodes?where_type=144`, { ticket }));
      assert.deepEqual(
        docs.map((p) => p.name),
        ['alpha report.pdf'],
      );
      const bothTypes = items(await call(sim, 'GET', `/v2/nodes/${parent}/nodes?where_type=0&where_type=144`, { ticket }));
      assert.equal(bothTypes.length, 6);
      // -1 containers, -2 all searchable objects, -3 non-containers (pyxecm get_subnodes, default -2).
      assert.equal(items(await call(sim, 'GET', `/v2/nodes/${parent}/nodes?where_type=-2`, { ticket })).length, 6);
      assert.equal(items(await call(sim, 'GET', `/v2/nodes/${parent}/nodes?where_type=-1`, { ticket })).length, 5);
      assert.deepEqual(
        items(await call(sim, 'GET', `/v2/nodes/${parent}/nodes?where_type=-3`, { ticket })).map((p) => p.name),
        ['alpha report.pdf'],
      );
      const desc = items(await call(sim, 'GET', `/v2/nodes/${parent}/nodes?sort=desc_name`, { ticket })).map((p) => p.name);
      assert.deepEqual(desc, ['GAMMA-ALPHA', 'Delta', 'Beta', 'alphabet', 'alpha report.pdf', 'Alpha']);
      const newest = items(await call(sim, 'GET', `/v2/nodes/${parent}/nodes?sort=desc_modify_date`, { ticket }));
      assert.equal(newest[0]?.name, 'alpha report.pdf');

      const page2 = await call(sim, 'GET', `/v2/nodes/${parent}/nodes?limit=4&page=2`, { ticket });
      assert.deepEqual(
        items(page2).map((p) => p.name),
        ['Delta', 'GAMMA-ALPHA'],
      );
      const paging = (page2.json?.collection as { paging: Record<string, number> }).paging;
      assert.equal(paging.page, 2);
      assert.equal(paging.limit, 4);
      assert.equal(paging.total_count, 6);
      assert.equal(paging.page_total, 2);
      assert.equal(paging.range_min, 5);
      assert.equal(paging.range_max, 6);

      const v1 = await call(sim, 'GET', `/v1/nodes/${parent}/nodes?limit=2`, { ticket });
      assert.equal((v1.json?.data as unknown[]).length, 2);
      assert.equal(v1.json?.total_count, 6);
      assert.equal(v1.json?.page_total, 3);

      assert.equal((await call(sim, 'GET', `/v2/nodes/${parent}/nodes?where_type=0,144`, { ticket })).status, 400, 'arrays repeat the key');
      assert.equal((await call(sim, 'GET', `/v2/nodes/${parent}/nodes?sort=by_magic`, { ticket })).status, 400);
      assert.equal((await call(sim, 'GET', `/v2/nodes/${parent}/nodes?limit=0`, { ticket })).status, 400);
      const missing = await call(sim, 'GET', '/v2/nodes/987654/nodes', { ticket });
      assert.equal(missing.status, 400);
    });

    it('renames and moves with PUT, refusing collisions and moves into itself', async function () {
      const a = await freshFolder();
      const b = await freshFolder();
      const x = Number(props(await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(a), name: 'X' } })).id);
      await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(b), name: 'Taken' } });
      const renamed = await call(sim, 'PUT', `/v2/nodes/${x}`, { ticket, form: { name: 'Y' } });
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal(props(renamed).name, 'Y');
      const moved = await call(sim, 'PUT', `/v2/nodes/${x}`, { ticket, form: { parent_id: String(b) } });
      assert.equal(props(moved).parent_id, b);
      const clash = await call(sim, 'PUT', `/v2/nodes/${x}`, { ticket, form: { name: 'taken' } });
      assert.equal(clash.status, 500);
      assert.deepEqual(clash.json, { error: "An item with the name 'taken' already exists." });
      const intoSelf = await call(sim, 'PUT', `/v2/nodes/${b}`, { ticket, form: { parent_id: String(x) } });
      assert.equal(intoSelf.status, 500);
      const same = await call(sim, 'PUT', `/v2/nodes/${x}`, { ticket, form: { name: 'y' } });
      assert.equal(same.status, 200, 'a case change of its own name is no collision');
    });

    it('deletes nodes: gone afterwards, name free again', async function () {
      const parent = await freshFolder();
      const x = Number(props(await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(parent), name: 'Doomed' } })).id);
      const del = await call(sim, 'DELETE', `/v2/nodes/${x}`, { ticket });
      assert.equal(del.status, 200);
      assert.deepEqual(del.json?.results, {});
      assert.equal((await call(sim, 'GET', `/v2/nodes/${x}`, { ticket })).status, 400);
      const again = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(parent), name: 'Doomed' } });
      assert.equal(again.status, 200);
      const inspected = (await simGet(sim, `/__sim/nodes/${x}`)) as { deleted: boolean };
      assert.equal(inspected.deleted, true);
    });

    it('validates names by listing those that exist; none listed = all free (pyxecm check_node_name)', async function () {
      const parent = await freshFolder();
      const x = Number(props(await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(parent), name: 'Here' } })).id);
      const a = await call(sim, 'POST', '/v1/validation/nodes/names', {
        ticket,
        form: { body: JSON.stringify({ parent_id: parent, names: ['HERE', 'absent.pdf'] }) },
      });
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(a.json?.results, [{ name: 'HERE', id: x }]);
      const free = await call(sim, 'POST', '/v1/validation/nodes/names', {
        ticket,
        form: { body: JSON.stringify({ parent_id: parent, names: ['absent.pdf'] }) },
      });
      assert.deepEqual(free.json?.results, []);
    });

    it('gives a volume by its type and lists the volumes (pyxecm get_volume, get_volumes)', async function () {
      const enterprise = await call(sim, 'GET', '/v2/volumes/141', { ticket });
      assert.equal(enterprise.status, 200, enterprise.text);
      assert.deepEqual([props(enterprise).id, props(enterprise).type, props(enterprise).parent_id, props(enterprise).volume_id], [2000, 141, -1, -2000]);
      assert.equal(props(await call(sim, 'GET', '/v2/volumes/133', { ticket })).id, 2006);
      assert.equal((await call(sim, 'GET', '/v2/volumes/999', { ticket })).status, 400);
      const all = items(await call(sim, 'GET', '/v2/volumes', { ticket }));
      assert.deepEqual(
        all.map((v) => [v.id, v.type]),
        [
          [2000, 141],
          [2006, 133],
          [2500, 198],
        ],
      );
    });
  });

  describe('documents, versions and content', function () {
    it('creates a document from multipart, stores it on disk with its sha256 and serves it back', async function () {
      const parent = await freshFolder();
      const content = 'id;amount\n1;2\n';
      const a = await call(sim, 'POST', '/v2/nodes', {
        ticket,
        multipart: fileForm({ type: '144', parent_id: String(parent), name: 'orders.csv', external_source: 'sftp' }, content, 'orders.csv', 'text/csv'),
      });
      assert.equal(a.status, 200, a.text);
      const p = props(a);
      assert.equal(p.type, 144);
      assert.equal(p.size, Buffer.byteLength(content));
      assert.equal(p.mime_type, 'text/csv');
      assert.equal(p.external_source, 'sftp');
      const id = Number(p.id);
      const versions = (await simGet(sim, `/__sim/versions/${id}`)) as { sha256: string; file_size: number }[];
      assert.equal(versions[0]?.sha256, createHash('sha256').update(content).digest('hex'));

      const res = await fetch(`${sim.apiBase}/v2/nodes/${id}/content`, { headers: { OTCSTicket: ticket } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/csv');
      assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="orders\.csv"/);
      assert.equal(await res.text(), content);
      const noTicket = await fetch(`${sim.apiBase}/v2/nodes/${id}/content`);
      assert.equal(noTicket.status, 401);
    });

    it('checks and normalises external dates', async function () {
      const parent = await freshFolder();
      const ok = await call(sim, 'POST', '/v2/nodes', {
        ticket,
        multipart: fileForm(
          { type: '144', parent_id: String(parent), name: 'dated.txt', external_create_date: '2026-01-31', external_modify_date: '2026-02-01T10:20:30+01:00' },
          'x',
          'x.txt',
        ),
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(props(ok).external_create_date, '2026-01-31T00:00:00Z');
      assert.equal(props(ok).external_modify_date, '2026-02-01T09:20:30Z');
      const bad = await call(sim, 'POST', '/v2/nodes', {
        ticket,
        multipart: fileForm({ type: '144', parent_id: String(parent), name: 'baddate.txt', external_create_date: '31.01.2026' }, 'x', 'x.txt'),
      });
      assert.equal(bad.status, 500);
      assert.match(String(bad.json?.error), /^Invalid value '31\.01\.2026' for external_create_date/);
    });

    it('requires the file part for documents and refuses one for folders', async function () {
      const parent = await freshFolder();
      const noFile = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '144', parent_id: String(parent), name: 'a.pdf' } });
      assert.equal(noFile.status, 400);
      const folderWithFile = await call(sim, 'POST', '/v2/nodes', {
        ticket,
        multipart: fileForm({ type: '0', parent_id: String(parent), name: 'f' }, 'x', 'x'),
      });
      assert.equal(folderWithFile.status, 400);
    });

    it('creates a document with v1 and answers {"id":..}', async function () {
      const parent = await freshFolder();
      const a = await call(sim, 'POST', '/v1/nodes', {
        ticket,
        multipart: fileForm({ body: JSON.stringify({ type: 144, parent_id: parent, name: 'v1.txt' }) }, 'v1', 'v1.txt', 'text/plain'),
      });
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(Object.keys(a.json ?? {}), ['id']);
    });

    it('adds versions, lists them, gives the latest and each version content', async function () {
      const parent = await freshFolder();
      const id = Number(
        props(
          await call(sim, 'POST', '/v2/nodes', {
            ticket,
            multipart: fileForm({ type: '144', parent_id: String(parent), name: 'doc.txt' }, 'one', 'doc.txt', 'text/plain'),
          }),
        ).id,
      );
      const v2 = await call(sim, 'POST', `/v2/nodes/${id}/versions`, {
        ticket,
        multipart: fileForm({ description: 'second' }, 'two!', 'doc-2.txt', 'text/plain'),
      });
      assert.equal(v2.status, 200, v2.text);
      // As the real server: the new version in data.versions, the document in data.properties.
      assert.equal(versionOf(v2).version_number, 2);
      assert.equal(versionOf(v2).description, 'second');
      assert.equal(props(v2).id, id);
      const v1 = await call(sim, 'POST', `/v1/nodes/${id}/versions`, { ticket, multipart: fileForm({}, 'three', 'doc.txt', 'text/plain') });
      assert.deepEqual(v1.json, { id, version_number: 3 });
      // v2 answers each version under data.versions (pyxecm get_document_versions), not data.properties.
      const listed = await call(sim, 'GET', `/v2/nodes/${id}/versions`, { ticket });
      const rows = listed.json?.results as { data: Record<string, unknown> }[];
      assert.ok(rows.every((r) => Object.keys(r.data).join() === 'versions'));
      const list = rows.map((r) => r.data.versions as Record<string, unknown>);
      assert.deepEqual(
        list.map((v) => [v.version_number, v.file_name, v.file_size, v.description]),
        [
          [1, 'doc.txt', 3, ''],
          [2, 'doc-2.txt', 4, 'second'],
          [3, 'doc.txt', 5, ''],
        ],
      );
      assert.ok(list.every((v) => typeof v.version_number_major === 'number' && typeof v.version_number_minor === 'number' && v.mime_type === 'text/plain'));
      assert.deepEqual([list[1]?.version_number_name, list[1]?.file_type, list[1]?.locked, list[1]?.id], ['2', 'txt', false, id]);
      const one = await call(sim, 'GET', `/v2/nodes/${id}/versions/2`, { ticket });
      assert.equal(((one.json?.results as { data: { versions: Record<string, unknown> } }).data.versions ?? {}).file_name, 'doc-2.txt');
      const latest = await call(sim, 'GET', `/v1/nodes/${id}/versions/latest`, { ticket });
      assert.equal((latest.json?.data as Record<string, unknown>).version_number, 3);
      const old = await fetch(`${sim.apiBase}/v2/nodes/${id}/versions/2/content`, { headers: { OTCSTicket: ticket } });
      assert.equal(await old.text(), 'two!');
      assert.match(old.headers.get('content-disposition') ?? '', /filename="doc-2\.txt"/);
      assert.equal(await (await fetch(`${sim.apiBase}/v2/nodes/${id}/content`, { headers: { OTCSTicket: ticket } })).text(), 'three');
      assert.equal((await call(sim, 'GET', `/v2/nodes/${id}/versions/9/content`, { ticket })).status, 400);
      const node = props(await call(sim, 'GET', `/v2/nodes/${id}?fields=versions&fields=properties`, { ticket }));
      assert.equal(node.size, 5);
      const noFile = await call(sim, 'POST', `/v2/nodes/${id}/versions`, { ticket, form: { description: 'x' } });
      assert.equal(noFile.status, 400);
      const sums = (await simGet(sim, `/__sim/versions/${id}`)) as { sha256: string }[];
      assert.deepEqual(
        sums.map((s) => s.sha256),
        ['one', 'two!', 'three'].map((c) => createHash('sha256').update(c).digest('hex')),
      );
    });

    it('keeps non-ASCII file names in filename*', async function () {
      const parent = await freshFolder();
      const id = Number(
        props(
          await call(sim, 'POST', '/v2/nodes', {
            ticket,
            multipart: fileForm({ type: '144', parent_id: String(parent), name: 'Größe.txt' }, 'x', 'Größe.txt'),
          }),
        ).id,
      );
      const res = await fetch(`${sim.apiBase}/v2/nodes/${id}/content`, { headers: { OTCSTicket: ticket } });
      assert.match(res.headers.get('content-disposition') ?? '', /filename\*=UTF-8''Gr%C3%B6%C3%9Fe\.txt/);
      await res.arrayBuffer();
    });
  });

  describe('categories', function () {
    async function doc(
      parent: number,
      name: string,
      categories?: Record<string, unknown>,
      api = 'v2',
    ): Promise<{ status: number; json: Record<string, unknown> | undefined; text: string }> {
      const body: Record<string, unknown> = { type: 144, parent_id: parent, name };
      if (categories) body.roles = { categories };
      return call(sim, 'POST', `/${api}/nodes`, { ticket, multipart: fileForm({ body: JSON.stringify(body) }, 'x', name) });
    }

    it('applies flat v2 keys at create and reports them as a real server does (pyxecm get_node_categories)', async function () {
      const parent = await freshFolder();
      const a = await doc(parent, 'inv.pdf', { '9830_1': {}, '9830_2': 'ACME', '9830_3': 12.5, '9830_4': '2026-01-31', '9830_5': 'Approved' });
      assert.equal(a.status, 200, a.text);
      const id = Number((a.json?.results as { data: { properties: { id: number } } }).data.properties.id);
      const cats = await call(sim, 'GET', `/v2/nodes/${id}/categories?metadata`, { ticket });
      assert.equal(cats.status, 200);
      type Item = {
        data: { categories: Record<string, unknown> };
        metadata: { categories: Record<string, { name: string; type_name: string; persona: string; key: string }> };
        metadata_map: { categories: Record<string, string[]> };
        metadata_order: { categories: string[] };
      };
      const first = (cats.json?.results as Item[])[0];
      assert.ok(first);
      assert.deepEqual(first.data.categories, { '9830_2': 'ACME', '9830_3': 12.5, '9830_4': '2026-01-31T00:00:00', '9830_5': 'Approved' }, 'values only');
      // The category itself is its bare id with persona "category"; there is no 9830_1 entry.
      assert.deepEqual([first.metadata.categories['9830']?.key, first.metadata.categories['9830']?.name], ['9830', 'Invoice']);
      assert.equal(first.metadata.categories['9830']?.persona, 'category');
      assert.equal(first.metadata.categories['9830_1'], undefined);
      assert.equal(first.metadata.categories['9830_2']?.name, 'Vendor');
      assert.equal(first.metadata.categories['9830_3']?.type_name, 'Real');
      assert.equal(first.metadata.categories['9830_4']?.type_name, 'Date');
      assert.deepEqual(first.metadata_order.categories, ['9830']);
      assert.deepEqual(first.metadata_map.categories['9830'], ['9830_2', '9830_3', '9830_4', '9830_5']);
      const plain = await call(sim, 'GET', `/v2/nodes/${id}/categories`, { ticket });
      const plainFirst = (plain.json?.results as Record<string, unknown>[])[0];
      assert.deepEqual(Object.keys(plainFirst ?? {}), ['data'], 'definitions only when asked for with metadata');
      const withFields = await call(sim, 'GET', `/v2/nodes/${id}?fields=categories`, { ticket });
      const arr = (withFields.json?.results as { data: { categories: Record<string, unknown>[] } }).data.categories;
      assert.ok(Array.isArray(arr));
      assert.deepEqual(arr, [{ '9830_2': 'ACME', '9830_3': 12.5, '9830_4': '2026-01-31T00:00:00', '9830_5': 'Approved' }]);
    });

    it('answers one results item per category when a node carries two (pyxecm get_node_category_ids)', async function () {
      const parent = await freshFolder();
      const a = await doc(parent, 'both.pdf', { '9830_2': 'ACME' });
      const id = Number((a.json?.results as { data: { properties: { id: number } } }).data.properties.id);
      const second = await call(sim, 'POST', `/v2/nodes/${id}/categories`, { ticket, form: { category_id: '9840', '9840_2': 'C-7' } });
      assert.equal(second.status, 200, second.text);
      const cats = await call(sim, 'GET', `/v2/nodes/${id}/categories?metadata`, { ticket });
      const results = cats.json?.results as { metadata_order: { categories: string[] }; metadata: { categories: Record<string, { name: string }> } }[];
      assert.deepEqual(
        results.map((r) => [r.metadata_order.categories, r.metadata.categories[r.metadata_order.categories[0] ?? '']?.name]),
        [
          [['9830'], 'Invoice'],
          [['9840'], 'Contract'],
        ],
      );
    });

    it('turns category inheritance of a container on and off (pyxecm set_category_inheritance)', async function () {
      const folder = await freshFolder();
      const apply = await call(sim, 'POST', `/v2/nodes/${folder}/categories`, { ticket, form: { category_id: '9830', '9830_2': 'ACME', '9830_5': 'Draft' } });
      assert.equal(apply.status, 200, apply.text);
      const before = await doc(folder, 'before.pdf');
      const beforeId = Number((before.json?.results as { data: { properties: { id: number } } }).data.properties.id);
      assert.deepEqual(((await simGet(sim, `/__sim/nodes/${beforeId}`)) as { categories: object }).categories, {}, 'off by default');
      const on = await call(sim, 'POST', `/v2/nodes/${folder}/categories/9830/inheritance`, { ticket });
      assert.equal(on.status, 200, on.text);
      assert.deepEqual(on.json?.results, {});
      const inherited = await doc(folder, 'inherited.pdf', { '9830_5': 'Approved' });
      assert.equal(inherited.status, 200, inherited.text);
      const inheritedId = Number((inherited.json?.results as { data: { properties: { id: number } } }).data.properties.id);
      const stored = (await simGet(sim, `/__sim/nodes/${inheritedId}`)) as { categories: Record<string, Record<string, unknown>> };
      assert.deepEqual(
        stored.categories['9830'],
        { '9830_2': 'ACME', '9830_3': null, '9830_4': null, '9830_5': 'Approved' },
        "the folder's values, given ones win",
      );
      const off = await call(sim, 'DELETE', `/v2/nodes/${folder}/categories/9830/inheritance`, { ticket });
      assert.equal(off.status, 200, off.text);
      const after = await doc(folder, 'after.pdf');
      const afterId = Number((after.json?.results as { data: { properties: { id: number } } }).data.properties.id);
      assert.deepEqual(((await simGet(sim, `/__sim/nodes/${afterId}`)) as { categories: object }).categories, {});
      const onDocument = await call(sim, 'POST', `/v2/nodes/${inheritedId}/categories/9830/inheritance`, { ticket });
      assert.equal(onDocument.status, 500);
      assert.match(String(onDocument.json?.error), /^Invalid request: .* not a container/);
      const notApplied = await call(sim, 'POST', `/v2/nodes/${folder}/categories/9840/inheritance`, { ticket });
      assert.equal(notApplied.status, 500);
      assert.match(String(notApplied.json?.error), /not applied/);
    });

    it('takes nested keys on v1 and refuses each version the other shape', async function () {
      const parent = await freshFolder();
      const v1 = await doc(parent, 'v1.pdf', { '9830': { '9830_2': 'Globex' } }, 'v1');
      assert.equal(v1.status, 200, v1.text);
      const stored = (await simGet(sim, `/__sim/nodes/${Number(v1.json?.id)}`)) as { categories: Record<string, Record<string, unknown>> };
      assert.equal(stored.categories['9830']?.['9830_2'], 'Globex');
      const v2Nested = await doc(parent, 'v2n.pdf', { '9830': { '9830_2': 'Globex' } });
      assert.equal(v2Nested.status, 500);
      assert.match(String(v2Nested.json?.error), /^Invalid/);
      const v1Flat = await doc(parent, 'v1f.pdf', { '9830_2': 'Globex' }, 'v1');
      assert.equal(v1Flat.status, 500);
      assert.match(String(v1Flat.json?.error), /^Invalid/);
      const listing = items(await call(sim, 'GET', `/v2/nodes/${parent}/nodes`, { ticket }));
      assert.deepEqual(
        listing.map((p) => p.name),
        ['v1.pdf'],
        'refused creates leave nothing behind',
      );
    });

    it('type-checks values with 500 Invalid ... messages', async function () {
      const parent = await freshFolder();
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ '9830_3': 'twelve' }, /^Invalid real value 'twelve'/],
        [{ '9830_4': '31.01.2026' }, /^Invalid date value/],
        [{ '9830_4': '2026-02-30' }, /^Invalid date value/],
        [{ '9830_5': 'Maybe' }, /^Invalid value 'Maybe'/],
        [{ '9830_9': 'x' }, /^Invalid attribute key '9830_9'/],
        [{ '9830_2': ['a', 'b'] }, /^Invalid value for attribute 'Vendor'/],
        [{ '9830_2': 'x'.repeat(65) }, /^Invalid value for attribute 'Vendor'.*64/],
        [{ '9999_2': 'x' }, /^Invalid category ID 9999/],
        [{ '9840_5': '1.5' }, /^Invalid integer value/],
        [{ '9840_6': 'perhaps' }, /^Invalid boolean value/],
        [{ '9840_3': ['A'] }, /^Invalid value for attribute 'Contract Number'.*required/],
      ];
      for (const [cats, expected] of cases) {
        const a = await doc(parent, 'bad.pdf', cats);
        assert.equal(a.status, 500, JSON.stringify(cats));
        assert.match(String(a.json?.error), expected, JSON.stringify(cats));
      }
      const ok = await doc(parent, 'contract.pdf', { '9840_2': 'C-1', '9840_3': ['ACME', 'Us'], '9840_5': '42', '9840_6': true });
      assert.equal(ok.status, 200, ok.text);
    });

    it('applies, updates and removes categories on an existing node', async function () {
      const parent = await freshFolder();
      const created = await doc(parent, 'plain.pdf');
      const id = Number((created.json?.results as { data: { properties: { id: number } } }).data.properties.id);
      const apply = await call(sim, 'POST', `/v2/nodes/${id}/categories`, { ticket, form: { body: JSON.stringify({ category_id: 9830, '9830_2': 'ACME' }) } });
      assert.equal(apply.status, 200, apply.text);
      const twice = await call(sim, 'POST', `/v2/nodes/${id}/categories`, { ticket, form: { body: JSON.stringify({ category_id: 9830 }) } });
      assert.equal(twice.status, 500);
      const update = await call(sim, 'PUT', `/v2/nodes/${id}/categories/9830`, { ticket, form: { body: JSON.stringify({ '9830_5': 'Paid' }) } });
      assert.equal(update.status, 200, update.text);
      const bad = await call(sim, 'PUT', `/v2/nodes/${id}/categories/9830`, { ticket, form: { body: JSON.stringify({ '9830_3': 'lots' }) } });
      assert.equal(bad.status, 500);
      assert.match(String(bad.json?.error), /^Invalid/);
      const stored = (await simGet(sim, `/__sim/nodes/${id}`)) as { categories: Record<string, Record<string, unknown>> };
      assert.deepEqual(stored.categories['9830'], { '9830_2': 'ACME', '9830_3': null, '9830_4': null, '9830_5': 'Paid' });
      const del = await call(sim, 'DELETE', `/v2/nodes/${id}/categories/9830`, { ticket });
      assert.equal(del.status, 200);
      const after = await call(sim, 'GET', `/v2/nodes/${id}/categories`, { ticket });
      assert.deepEqual(after.json?.results, []);
      assert.equal((await call(sim, 'DELETE', `/v2/nodes/${id}/categories/9830`, { ticket })).status, 500);
    });

    it('updates category values on a move (flat keys)', async function () {
      const parent = await freshFolder();
      const target = await freshFolder();
      const created = await doc(parent, 'moving.pdf', { '9830_2': 'ACME', '9830_5': 'Draft' });
      const id = Number((created.json?.results as { data: { properties: { id: number } } }).data.properties.id);
      const bad = await call(sim, 'PUT', `/v2/nodes/${id}`, {
        ticket,
        form: { body: JSON.stringify({ parent_id: target, roles: { categories: { '9830_5': 'Lost' } } }) },
      });
      assert.equal(bad.status, 500);
      assert.equal(props(await call(sim, 'GET', `/v2/nodes/${id}`, { ticket })).parent_id, parent, 'a refused move changes nothing');
      const moved = await call(sim, 'PUT', `/v2/nodes/${id}`, {
        ticket,
        form: { body: JSON.stringify({ parent_id: target, roles: { categories: { '9830_5': 'Approved' } } }) },
      });
      assert.equal(moved.status, 200, moved.text);
      const stored = (await simGet(sim, `/__sim/nodes/${id}`)) as { parent_id: number; categories: Record<string, Record<string, unknown>> };
      assert.equal(stored.parent_id, target);
      assert.deepEqual(stored.categories['9830'], { '9830_2': 'ACME', '9830_3': null, '9830_4': null, '9830_5': 'Approved' });
    });

    it('updates category values with a new version (flat keys)', async function () {
      const parent = await freshFolder();
      const created = await doc(parent, 'inv2.pdf', { '9830_2': 'ACME', '9830_5': 'Draft' });
      const id = Number((created.json?.results as { data: { properties: { id: number } } }).data.properties.id);
      const v = await call(sim, 'POST', `/v2/nodes/${id}/versions`, {
        ticket,
        multipart: fileForm({ body: JSON.stringify({ roles: { categories: { '9830_5': 'Approved' } } }) }, 'y', 'inv2.pdf'),
      });
      assert.equal(v.status, 200, v.text);
      const stored = (await simGet(sim, `/__sim/nodes/${id}`)) as { categories: Record<string, Record<string, unknown>> };
      assert.equal(stored.categories['9830']?.['9830_5'], 'Approved');
      assert.equal(stored.categories['9830']?.['9830_2'], 'ACME');
    });
  });
});

describe('Content Server simulator: RM, permissions, workspaces, workflows, large files, OTDS', function () {
  let sim: ContentServerSim;
  let ticket: string;
  const newDoc = (parent?: number): Promise<number> => createDoc(sim, ticket, parent);

  before(async function () {
    ({ sim, ticket } = await startLoggedIn({ largeFile: { partSize: 1024 * 1024, minSize: 1 } }));
  });
  after(async function () {
    await sim.stop();
  });

  describe('category definitions', function () {
    it('lists categories in the Categories volume and gives a definition without a sample node', async function () {
      const cats = items(await call(sim, 'GET', '/v2/nodes/2006/nodes?where_type=131', { ticket }));
      assert.deepEqual(
        cats.map((c) => [c.id, c.name]),
        [
          [9860, 'Compliance Report'],
          [9840, 'Contract'],
          [9830, 'Invoice'],
          [9850, 'Transfer Record'],
        ],
      );
      const def = await call(sim, 'GET', '/v1/nodes/9830/categories/9830', { ticket });
      assert.equal(def.status, 200, def.text);
      const definitions = def.json?.definitions as Record<string, { name: string; type_name: string; persona: string }>;
      assert.deepEqual(
        Object.entries(definitions).map(([k, d]) => [k, d.name, d.type_name, d.persona]),
        [
          ['9830', 'Invoice', 'Category', 'category'],
          ['9830_2', 'Vendor', 'String', ''],
          ['9830_3', 'Amount', 'Real', ''],
          ['9830_4', 'Invoice Date', 'Date', ''],
          ['9830_5', 'Status', 'String', ''],
        ],
      );
      assert.deepEqual(def.json?.definitions_order, ['9830']);
      assert.deepEqual(def.json?.data, { categories: { '9830_2': null, '9830_3': null, '9830_4': null, '9830_5': null } });
      const id = await newDoc();
      assert.equal((await call(sim, 'GET', `/v1/nodes/${id}/categories/9830`, { ticket })).status, 500, 'not applied');
    });
  });
});
