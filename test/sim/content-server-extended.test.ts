/**
 * Simulator endpoints beyond nodes: records management, holds, permissions, members, business
 * workspaces, workflows, the large-file multipart API and the OTDS bearer exchange.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { startContentServerSim, type ContentServerSim } from '../../dev/sim/content-server';
import { call, fileForm, items, login, props, simGet } from '../support/simulator-http';

describe('Content Server simulator: RM, permissions, workspaces, workflows, large files, OTDS', function () {
  let sim: ContentServerSim;
  let ticket: string;
  let seq = 0;

  async function newDoc(parent = 2200): Promise<number> {
    const a = await call(sim, 'POST', '/v2/nodes', { ticket, multipart: fileForm({ type: '144', parent_id: String(parent), name: `d${++seq}.txt` }, 'x', 'd.txt') });
    assert.equal(a.status, 200, a.text);
    return Number(props(a).id);
  }
  async function newFolder(parent = 2200): Promise<number> {
    const a = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(parent), name: `f${++seq}` } });
    return Number(props(a).id);
  }
  const body = (o: Record<string, unknown>): Record<string, string> => ({ body: JSON.stringify(o) });

  before(async function () {
    sim = await startContentServerSim({ largeFile: { partSize: 1024 * 1024, minSize: 1 } });
    ticket = await login(sim);
  });
  after(async function () {
    await sim.stop();
  });

  describe('records management classifications', function () {
    it('applies a classification with a fresh rm_metadataToken and refuses a stale one with 409', async function () {
      const id = await newDoc();
      const read = await call(sim, 'GET', `/v1/nodes/${id}/rmclassifications`, { ticket });
      assert.equal(read.status, 200);
      assert.deepEqual(read.json?.data, []);
      const token = String(read.json?.rm_metadataToken);
      const apply = await call(sim, 'POST', `/v1/nodes/${id}/rmclassifications`, { ticket, form: body({ class_id: 2502, rm_metadataToken: token }) });
      assert.equal(apply.status, 200, apply.text);
      assert.equal((apply.json?.data as { name: string }[])[0]?.name, 'Invoices');
      const stale = await call(sim, 'PUT', `/v1/nodes/${id}/rmclassifications/2502`, { ticket, form: body({ rm_metadataToken: token, status: 'CLOSED' }) });
      assert.equal(stale.status, 409);
      assert.match(String(stale.json?.error), /edit conflict/);
      const fresh = String((await call(sim, 'GET', `/v1/nodes/${id}/rmclassifications`, { ticket })).json?.rm_metadataToken);
      const update = await call(sim, 'PUT', `/v1/nodes/${id}/rmclassifications/2502`, { ticket, form: body({ rm_metadataToken: fresh, status: 'CLOSED', essential: true }) });
      assert.equal(update.status, 200, update.text);
      const records = (await simGet(sim, '/__sim/records')) as { classifications: Record<string, { class_id: number; status: string; essential: boolean }[]> };
      assert.deepEqual(records.classifications[String(id)]?.map((c) => [c.class_id, c.status, c.essential]), [[2502, 'CLOSED', true]]);
    });

    it('requires the token and a real classification node', async function () {
      const id = await newDoc();
      const noToken = await call(sim, 'POST', `/v1/nodes/${id}/rmclassifications`, { ticket, form: body({ class_id: 2502 }) });
      assert.equal(noToken.status, 500);
      assert.deepEqual(noToken.json, { error: 'Argument rm_metadataToken is required' });
      const token = String((await call(sim, 'GET', `/v1/nodes/${id}/rmclassifications`, { ticket })).json?.rm_metadataToken);
      const folder = await call(sim, 'POST', `/v1/nodes/${id}/rmclassifications`, { ticket, form: body({ class_id: 2200, rm_metadataToken: token }) });
      assert.equal(folder.status, 500);
      assert.match(String(folder.json?.error), /^Invalid classification ID 2200/);
    });

    it('lets a client walk the classification tree by children', async function () {
      const kids = items(await call(sim, 'GET', '/v2/nodes/2501/nodes', { ticket }));
      assert.deepEqual(kids.map((k) => [k.name, k.type]), [
        ['Contracts', 551],
        ['Invoices', 551],
      ]);
    });
  });

  describe('holds', function () {
    it('lists holds, applies one to a node, refuses deleting it, removes it', async function () {
      const list = await call(sim, 'GET', '/v2/holds', { ticket });
      const holds = (list.json?.results as { data: { holds: { HoldID: number; HoldName: string; HoldType: string; ActiveHold: boolean }[] } }).data.holds;
      assert.ok(holds.some((h) => h.HoldName === 'Tax Audit' && h.HoldType === 'Audit' && h.ActiveHold));
      const id = await newDoc();
      assert.equal((await call(sim, 'POST', `/v1/nodes/${id}/holds`, { ticket, form: { hold_id: '2' } })).status, 200);
      assert.equal((await call(sim, 'POST', `/v1/nodes/${id}/holds`, { ticket, form: { hold_id: '2' } })).status, 500);
      assert.equal((await call(sim, 'POST', `/v1/nodes/${id}/holds`, { ticket, form: { hold_id: '77' } })).status, 500);
      const mine = await call(sim, 'GET', `/v1/nodes/${id}/holds`, { ticket });
      assert.deepEqual((mine.json?.data as { HoldID: number }[]).map((h) => h.HoldID), [2]);
      const del = await call(sim, 'DELETE', `/v2/nodes/${id}`, { ticket });
      assert.equal(del.status, 500);
      assert.match(String(del.json?.error), /on hold/);
      assert.equal((await call(sim, 'DELETE', `/v1/nodes/${id}/holds/2`, { ticket })).status, 200);
      assert.equal((await call(sim, 'DELETE', `/v2/nodes/${id}`, { ticket })).status, 200);
    });
  });

  describe('holds sent concurrently', function () {
    it('refuses a hold call that overlaps another one', async function () {
      const a = await newDoc();
      const b = await newDoc();
      const answers = await Promise.all([
        call(sim, 'POST', `/v1/nodes/${a}/holds`, { ticket, form: { hold_id: '1' } }),
        call(sim, 'POST', `/v1/nodes/${b}/holds`, { ticket, form: { hold_id: '1' } }),
      ]);
      assert.deepEqual(answers.map((x) => x.status).sort(), [200, 500]);
      assert.match(String(answers.find((x) => x.status === 500)?.json?.error), /another hold operation/);
      const records = (await simGet(sim, '/__sim/records')) as { holds: Record<string, number[]> };
      assert.equal([records.holds[String(a)], records.holds[String(b)]].filter((h) => h && h.length > 0).length, 1);
    });
  });

  describe('permissions and members', function () {
    it('finds users and groups by name', async function () {
      const users = items(await call(sim, 'GET', '/v2/members?query=jdo&where_type=0', { ticket }));
      assert.deepEqual(users.map((u) => [u.id, u.name, u.type]), [[1001, 'jdoe', 0]]);
      const groups = items(await call(sim, 'GET', '/v2/members?query=fin&where_type=1', { ticket }));
      assert.deepEqual(groups.map((g) => [g.id, g.name, g.type]), [[2002, 'Finance', 1]]);
    });

    it('reports owner, group and public permissions and changes them', async function () {
      const id = await newDoc();
      const read = await call(sim, 'GET', `/v2/nodes/${id}/permissions`, { ticket });
      const perms = (read.json?.results as { data: { permissions: { type: string; right_id: number | null; permissions: string[] } } }[]).map((r) => r.data.permissions);
      assert.deepEqual(perms.map((p) => p.type), ['owner', 'group', 'public']);
      assert.equal(perms[0]?.permissions.length, 10);
      const pub = await call(sim, 'PUT', `/v2/nodes/${id}/permissions/public`, { ticket, form: body({ permissions: [], apply_to: 0 }) });
      assert.equal(pub.status, 200, pub.text);
      const bad = await call(sim, 'PUT', `/v2/nodes/${id}/permissions/group`, { ticket, form: body({ permissions: ['see', 'fly'] }) });
      assert.equal(bad.status, 500);
      assert.match(String(bad.json?.error), /^Invalid permission 'fly'/);
      const noSee = await call(sim, 'PUT', `/v2/nodes/${id}/permissions/group`, { ticket, form: body({ permissions: ['modify'] }) });
      assert.equal(noSee.status, 500);
    });

    it('adds, updates and removes assigned access, with apply_to only on containers', async function () {
      const folder = await newFolder();
      const inner = await newDoc(folder);
      const doc = await newDoc();
      const onDoc = await call(sim, 'POST', `/v2/nodes/${doc}/permissions/custom`, { ticket, form: body({ right_id: 2002, permissions: ['see'], apply_to: 2 }) });
      assert.equal(onDoc.status, 500);
      const add = await call(sim, 'POST', `/v2/nodes/${folder}/permissions/custom`, {
        ticket,
        form: body({ right_id: 2002, permissions: ['see', 'see_contents', 'modify'], apply_to: 2 }),
      });
      assert.equal(add.status, 200, add.text);
      const again = await call(sim, 'POST', `/v2/nodes/${folder}/permissions/custom`, { ticket, form: body({ right_id: 2002, permissions: ['see'] }) });
      assert.equal(again.status, 500);
      const unknown = await call(sim, 'POST', `/v2/nodes/${folder}/permissions/custom`, { ticket, form: body({ right_id: 4242, permissions: ['see'] }) });
      assert.equal(unknown.status, 500);
      const records = (await simGet(sim, '/__sim/records')) as { permissions: Record<string, { type: string; right_id: number; permissions: string[] }[]> };
      assert.deepEqual(records.permissions[String(inner)]?.find((p) => p.type === 'custom')?.permissions, ['see', 'see_contents', 'modify']);
      const upd = await call(sim, 'PUT', `/v2/nodes/${folder}/permissions/custom/2002`, { ticket, form: body({ permissions: ['see', 'see_contents'] }) });
      assert.equal(upd.status, 200, upd.text);
      assert.equal((await call(sim, 'DELETE', `/v2/nodes/${folder}/permissions/custom/2002`, { ticket })).status, 200);
      assert.equal((await call(sim, 'DELETE', `/v2/nodes/${folder}/permissions/custom/2002`, { ticket })).status, 500);
    });
  });

  describe('permission enforcement', function () {
    it('hides items without see, refuses actions without the permission, and new items inherit', async function () {
      const jdoe = await login(sim, 'jdoe', 'jdoe-pass');
      const folder = await newFolder();
      const folderName = String(props(await call(sim, 'GET', `/v2/nodes/${folder}`, { ticket })).name);
      for (const kind of ['group', 'public']) {
        const a = await call(sim, 'PUT', `/v2/nodes/${folder}/permissions/${kind}`, { ticket, form: body({ permissions: [] }) });
        assert.equal(a.status, 200, a.text);
      }
      const hidden = await call(sim, 'GET', `/v2/nodes/${folder}`, { ticket: jdoe });
      assert.deepEqual([hidden.status, hidden.json], [400, { error: `Could not get a node for ${folder}` }]);
      const v1 = await call(sim, 'GET', `/v1/nodes/${folder}`, { ticket: jdoe });
      assert.equal(v1.status, 500);
      const listing = items(await call(sim, 'GET', `/v2/nodes/2200/nodes?where_name=${encodeURIComponent(folderName)}`, { ticket: jdoe }));
      assert.equal(listing.length, 0, 'browsing hides it');
      const found = await call(sim, 'POST', '/v2/search', { ticket: jdoe, form: { where: `OTName:${folderName}` } });
      assert.equal(items(found).length, 0, 'search hides it');

      await call(sim, 'POST', `/v2/nodes/${folder}/permissions/custom`, { ticket, form: body({ right_id: 1001, permissions: ['see', 'see_contents'] }) });
      assert.equal((await call(sim, 'GET', `/v2/nodes/${folder}`, { ticket: jdoe })).status, 200);
      const noAdd = await call(sim, 'POST', '/v2/nodes', { ticket: jdoe, form: { type: '0', parent_id: String(folder), name: 'mine' } });
      assert.equal(noAdd.status, 500);
      assert.match(String(noAdd.json?.error), /'add_items' permission/);
      await call(sim, 'PUT', `/v2/nodes/${folder}/permissions/custom/1001`, { ticket, form: body({ permissions: ['see', 'see_contents', 'add_items'] }) });
      const mine = await call(sim, 'POST', '/v2/nodes', { ticket: jdoe, form: { type: '0', parent_id: String(folder), name: 'mine' } });
      assert.equal(mine.status, 200, mine.text);
      const mineId = Number(props(mine).id);
      const perms = (await call(sim, 'GET', `/v2/nodes/${mineId}/permissions`, { ticket })).json?.results as { data: { permissions: { type: string; right_id: number | null; permissions: string[] } } }[];
      const byType = Object.fromEntries(perms.map((p) => [p.data.permissions.type, p.data.permissions]));
      assert.equal(byType.owner?.right_id, 1001, 'the creator owns the new item');
      assert.deepEqual(byType.public?.permissions, [], 'inherited from the parent');
      const noDelete = await call(sim, 'DELETE', `/v2/nodes/${folder}`, { ticket: jdoe });
      assert.equal(noDelete.status, 500);
      assert.match(String(noDelete.json?.error), /'delete' permission/);
      assert.equal((await call(sim, 'DELETE', `/v2/nodes/${mineId}`, { ticket: jdoe })).status, 200, 'owners may delete their items');
      const noEdit = await call(sim, 'PUT', `/v2/nodes/${folder}/permissions/public`, { ticket: jdoe, form: body({ permissions: ['see'] }) });
      assert.equal(noEdit.status, 500);
    });
  });

  describe('business workspaces', function () {
    it('creates a workspace from a template, renames it by the naming rule, finds it by search and business object', async function () {
      const create = await call(sim, 'POST', '/v2/businessworkspaces', {
        ticket,
        form: body({ template_id: 3001, wksp_type_id: 10, type: 848, name: 'ACME Corp', bo_id: '0000100042', roles: { categories: { '9840': { '9840_2': 'C-42' } } } }),
      });
      assert.equal(create.status, 200, create.text);
      const id = Number((create.json?.results as { id: number }).id);
      const node = props(await call(sim, 'GET', `/v2/nodes/${id}`, { ticket }));
      assert.equal(node.name, 'ACME Corp (0000100042)');
      assert.equal(node.type, 848);
      assert.equal(node.parent_id, 2450);
      const found = await call(sim, 'GET', '/v2/businessworkspaces?where_workspace_type_id=10&where_name=acme&expanded_view=true', { ticket });
      assert.equal((found.json?.results as unknown[]).length, 1);
      assert.equal((found.json?.paging as { total_count: number }).total_count, 1);
      assert.equal(found.json?.collection, undefined);
      const byBo = await call(sim, 'GET', '/v2/externalsystems/SAP/botypes/KNA1/boids/0000100042', { ticket });
      assert.equal(props(byBo).id, id);
      assert.equal((await call(sim, 'GET', '/v2/externalsystems/SAP/botypes/KNA1/boids/nope', { ticket })).status, 400);
      const dup = await call(sim, 'POST', '/v2/businessworkspaces', { ticket, form: body({ template_id: 3001, wksp_type_id: 10, type: 848, name: 'Other', bo_id: '0000100042' }) });
      assert.equal(dup.status, 500);
      const badTemplate = await call(sim, 'POST', '/v2/businessworkspaces', { ticket, form: body({ template_id: 1, wksp_type_id: 10, type: 848, name: 'X' }) });
      assert.equal(badTemplate.status, 500);
      const flatCats = await call(sim, 'POST', '/v2/businessworkspaces', {
        ticket,
        form: body({ template_id: 3001, wksp_type_id: 10, type: 848, name: 'Flat', bo_id: '7', roles: { categories: { '9840_2': 'C-7' } } }),
      });
      assert.equal(flatCats.status, 500, 'workspace categories are nested by category id');
      const filed = await call(sim, 'POST', '/v2/nodes', { ticket, multipart: fileForm({ type: '144', parent_id: String(id), name: 'contract.pdf' }, 'c', 'c.pdf') });
      assert.equal(filed.status, 200, 'documents are filed into a workspace with the ordinary call');
    });
  });

  describe('workflows', function () {
    it('starts a workflow with attached documents in one call and records it', async function () {
      const a = await newDoc();
      const b = await newDoc();
      const start = await call(sim, 'POST', '/v2/draftprocesses/startwf', { ticket, form: { workflow_id: '2401', doc_ids: `${a},${b}` } });
      assert.equal(start.status, 200, start.text);
      const results = start.json?.results as { custom_message: null; process_id: number };
      assert.equal(results.custom_message, null);
      assert.equal(typeof results.process_id, 'number');
      const records = (await simGet(sim, '/__sim/records')) as { processes: { process_id: number; workflow_id: number; doc_ids: number[] }[] };
      assert.deepEqual(records.processes.find((p) => p.process_id === results.process_id)?.doc_ids, [a, b]);
      const status = await call(sim, 'GET', `/v2/workflows/status/processes/${results.process_id}`, { ticket });
      assert.equal(status.status, 200);
      assert.equal((await call(sim, 'POST', '/v2/draftprocesses/startwf', { ticket, form: { workflow_id: '2200', doc_ids: String(a) } })).status, 500);
      assert.equal((await call(sim, 'POST', '/v2/draftprocesses/startwf', { ticket, form: { workflow_id: '2401', doc_ids: '99999999' } })).status, 500);
    });

    it('starts through a draft with a comment', async function () {
      const a = await newDoc();
      const draft = await call(sim, 'POST', '/v2/draftprocesses', { ticket, form: { workflow_id: '2401', doc_ids: String(a) } });
      const draftId = (draft.json?.results as { draftprocess_id: number }).draftprocess_id;
      const init = await call(sim, 'PUT', `/v2/draftprocesses/${draftId}`, { ticket, form: body({ action: 'Initiate', comment: 'please approve' }) });
      assert.equal(init.status, 200, init.text);
      const pid = (init.json?.results as { process_id: number }).process_id;
      const records = (await simGet(sim, '/__sim/records')) as { processes: { process_id: number; comment: string }[] };
      assert.equal(records.processes.find((p) => p.process_id === pid)?.comment, 'please approve');
    });
  });

  describe('large-file multipart API', function () {
    it('announces, takes parts, completes and creates a document and a version by upload_key', async function () {
      const settings = await call(sim, 'GET', '/v2/multipart/settings', { ticket });
      assert.equal((settings.json?.results as { data: { is_enabled: boolean } }).data.is_enabled, true);
      const size = 2.5 * 1024 * 1024;
      const content = Buffer.alloc(size);
      for (let i = 0; i < size; i++) content[i] = (i * 7) & 0xff;
      const begin = await call(sim, 'POST', '/v2/multipart', { ticket, form: { file_name: 'big.bin', file_size: String(size), mime_type: 'application/octet-stream' } });
      const { upload_key: key, num_parts: parts, part_size: partSize } = begin.json?.results as { upload_key: string; num_parts: number; part_size: number };
      assert.equal(parts, 3);
      const early = await call(sim, 'POST', `/v2/multipart/${key}`, { ticket });
      assert.equal(early.status, 500, 'completing with parts missing is refused');
      const wrongSize = new FormData();
      wrongSize.append('part_content', new Blob([new Uint8Array(content.subarray(0, 10))]), 'part');
      assert.equal((await call(sim, 'POST', `/v2/multipart/${key}/1`, { ticket, multipart: wrongSize })).status, 500);
      for (let n = 1; n <= parts; n++) {
        const fd = new FormData();
        fd.append('part_content', new Blob([new Uint8Array(content.subarray((n - 1) * partSize, n * partSize))]), `part${n}`);
        const a = await call(sim, 'POST', `/v2/multipart/${key}/${n}`, { ticket, multipart: fd });
        assert.equal(a.status, 200, a.text);
      }
      assert.equal((await call(sim, 'POST', `/v2/multipart/${key}`, { ticket })).status, 200);
      const created = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '144', parent_id: '2200', name: 'big.bin', upload_key: key } });
      assert.equal(created.status, 200, created.text);
      const id = Number(props(created).id);
      assert.equal(props(created).size, size);
      const sums = (await simGet(sim, `/__sim/versions/${id}`)) as { sha256: string }[];
      assert.equal(sums[0]?.sha256, createHash('sha256').update(content).digest('hex'));
      const reuse = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '144', parent_id: '2200', name: 'again.bin', upload_key: key } });
      assert.equal(reuse.status, 500, 'an upload key is used once');
      const second = await call(sim, 'POST', '/v2/multipart', { ticket, form: { file_name: 'big-2.bin', file_size: '5' } });
      const key2 = (second.json?.results as { upload_key: string }).upload_key;
      const fd = new FormData();
      fd.append('part_content', new Blob(['hello']), 'p1');
      assert.equal((await call(sim, 'POST', `/v2/multipart/${key2}/1`, { ticket, multipart: fd })).status, 200);
      assert.equal((await call(sim, 'POST', `/v2/multipart/${key2}`, { ticket })).status, 200);
      const version = await call(sim, 'POST', `/v2/nodes/${id}/versions`, { ticket, form: { upload_key: key2 } });
      assert.equal(version.status, 200, version.text);
      assert.equal(props(version).version_number, 2);
      assert.equal(props(version).file_name, 'big-2.bin');
      assert.deepEqual(readdirSync(sim.store.tmpDir), []);
    });

    it('is an unknown route on a server without the feature', async function () {
      const old = await startContentServerSim({ largeFile: { enabled: false } });
      try {
        const t = await login(old);
        const a = await call(old, 'GET', '/v2/multipart/settings', { ticket: t });
        assert.equal(a.status, 400);
        assert.deepEqual(a.json, { error: 'The REST API URL could not be found in the mappings registry' });
      } finally {
        await old.stop();
      }
    });
  });

  describe('category definitions', function () {
    it('lists categories in the Categories volume and gives a definition without a sample node', async function () {
      const cats = items(await call(sim, 'GET', '/v2/nodes/2006/nodes?where_type=131', { ticket }));
      assert.deepEqual(cats.map((c) => [c.id, c.name]), [
        [9860, 'Compliance Report'],
        [9840, 'Contract'],
        [9830, 'Invoice'],
        [9850, 'Transfer Record'],
      ]);
      const def = await call(sim, 'GET', '/v1/nodes/9830/categories/9830', { ticket });
      assert.equal(def.status, 200, def.text);
      const definitions = def.json?.definitions as Record<string, { name: string; type_name: string }>;
      assert.deepEqual(
        Object.values(definitions).map((d) => [d.name, d.type_name]),
        [
          ['Invoice', 'Category'],
          ['Vendor', 'String'],
          ['Amount', 'Real'],
          ['Invoice Date', 'Date'],
          ['Status', 'String'],
        ],
      );
      const id = await newDoc();
      assert.equal((await call(sim, 'GET', `/v1/nodes/${id}/categories/9830`, { ticket })).status, 500, 'not applied');
    });
  });

  describe('search subset', function () {
    it('finds by name wildcard, subtype and location, sorted by date, paged', async function () {
      const folder = await newFolder();
      for (const name of ['Contract 2026-01.pdf', 'contract-draft.docx', 'Invoice 17.pdf']) {
        await call(sim, 'POST', '/v2/nodes', { ticket, multipart: fileForm({ type: '144', parent_id: String(folder), name }, name, name) });
      }
      await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(folder), name: 'Contracts' } });
      const names = async (form: Record<string, string>): Promise<string[]> => {
        const a = await call(sim, 'POST', '/v2/search', { ticket, form });
        assert.equal(a.status, 200, a.text);
        return items(a).map((p) => String(p.name));
      };
      assert.deepEqual(await names({ where: `OTName:contract* AND OTSubType:144 AND OTLocation:${folder}`, sort: 'asc_OTName' }), ['Contract 2026-01.pdf', 'contract-draft.docx']);
      assert.deepEqual(await names({ where: 'OTSubType:0', location_id1: String(folder) }), ['Contracts']);
      assert.deepEqual(await names({ where: `invoice OR OTName:contracts`, location_id1: String(folder), sort: 'asc_OTName' }), ['Contracts', 'Invoice 17.pdf']);
      const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
      assert.equal((await names({ where: `OTObjectDate:>=${today}`, location_id1: String(folder) })).length, 4);
      const paged = await call(sim, 'POST', '/v2/search', { ticket, form: { where: `OTLocation:${folder}`, limit: '3', page: '2', sort: 'desc_OTObjectDate' } });
      assert.equal(items(paged).length, 1);
      assert.equal((paged.json?.collection as { paging: { total_count: number } }).paging.total_count, 4);
      const noWhere = await call(sim, 'POST', '/v2/search', { ticket, form: {} });
      assert.equal(noWhere.status, 500);
      assert.deepEqual(noWhere.json, { error: 'Argument where is required' });
      assert.equal((await call(sim, 'POST', '/v2/search', { ticket, form: { where: 'OTMagic:1' } })).status, 500);
    });

    it('does not see fresh items while the index lags', async function () {
      const folder = await newFolder();
      sim.setFaults({ searchLagMs: 60000 });
      try {
        await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(folder), name: 'Fresh' } });
        const a = await call(sim, 'POST', '/v2/search', { ticket, form: { where: 'OTName:Fresh', location_id1: String(folder) } });
        assert.deepEqual(items(a), []);
      } finally {
        sim.setFaults({ searchLagMs: 0 });
      }
      const b = await call(sim, 'POST', '/v2/search', { ticket, form: { where: 'OTName:Fresh', location_id1: String(folder) } });
      assert.equal(items(b).length, 1);
    });
  });

  describe('OTDS bearer exchange', function () {
    it('exchanges client credentials for a bearer token, and the token for an OTCSTicket', async function () {
      const basic = Buffer.from('filebridge:filebridge-secret').toString('base64');
      const tok = await fetch(`${sim.url}/otdsws/oauth2/token`, {
        method: 'POST',
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      assert.equal(tok.status, 200);
      const { access_token: token, expires_in: expiresIn } = (await tok.json()) as { access_token: string; expires_in: number };
      assert.ok(expiresIn > 0);
      const me = await call(sim, 'GET', '/v1/auth', { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(me.status, 200, me.text);
      assert.equal((me.json?.data as { name: string }).name, 'Admin');
      const csTicket = me.headers.get('otcsticket');
      assert.ok(csTicket);
      assert.equal((await call(sim, 'GET', '/v2/nodes/2000', { ticket: csTicket })).status, 200);
      assert.equal((await call(sim, 'GET', '/v2/nodes/2000', { headers: { Authorization: `Bearer ${token}` } })).status, 401, 'only /v1/auth takes the bearer');
      const wrong = await fetch(`${sim.url}/otdsws/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=filebridge&client_secret=nope',
      });
      assert.equal(wrong.status, 401);
      assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_client');
      const badBearer = await call(sim, 'GET', '/v1/auth', { headers: { Authorization: 'Bearer forged' } });
      assert.equal(badBearer.status, 401);
    });
  });
});
