/**
 * The reads the client itself makes (client.ts), fed answers in the shape a real Content Server
 * gives, written from the examples OpenText's own client documents (pyxecm `OTCS.get_node_categories`,
 * `assign_category`, `set_category_value`) and the reference (ping, auth); ids and names are our own.
 * Category answers: one `results` item per applied category, the category under its bare id with
 * `persona: "category"`, values without an entry for the category.
 */
import assert from 'node:assert/strict';
import { recordedServer, type RecordedRequest, type RecordedServer } from '../../../support/recorded-cs';

const supplierMeta = {
  '7710': { key: '7710', name: 'Supplier', persona: 'category', read_only: true, required: false, multi_value: false },
  '7710_2': { key: '7710_2', name: 'Status', persona: '', type: -1, type_name: 'String', multi_value: false, required: false, valid_values: [] },
  '7710_3': { key: '7710_3', name: 'Regions', persona: '', type: -1, type_name: 'String', multi_value: true, required: false, valid_values: [] },
};
const auditMeta = {
  '7720': { key: '7720', name: 'Audit', persona: 'category' },
  '7720_2': { key: '7720_2', name: 'Score', persona: '', type: 2, type_name: 'Integer', multi_value: false, required: true, valid_values: [] },
};

/** `GET /v2/nodes/{id}/categories[?metadata]`: with metadata the definitions, order and map; without, values only. */
function categoriesOf(values: Record<string, unknown>, withMeta: boolean): unknown {
  const item: Record<string, unknown> = { data: { categories: values } };
  if (withMeta) {
    item.metadata = { categories: supplierMeta };
    item.metadata_map = { categories: { '7710': ['7710_2', '7710_3'] } };
    item.metadata_order = { categories: ['7710'] };
  }
  return { links: { data: {} }, results: [item] };
}

describe('content-server client: reads in the real server shapes', () => {
  let server: RecordedServer;
  afterEach(async () => {
    await server?.close();
  });

  it('reads ping and the current user', async () => {
    server = await recordedServer({
      'GET /v1/ping': { build: 2, href: 'api/v1', version: '25.4', service_name: 'ContentServer' },
      'GET /v1/auth': { data: { id: 4711, name: 'kwagner', first_name: 'Karl', last_name: 'Wagner' } },
    });
    const client = server.client();
    assert.equal((await client.ping()).version, '25.4');
    assert.deepEqual(await client.whoami(), { id: 4711, name: 'kwagner' });
  });

  it('reads category values back by name', async () => {
    server = await recordedServer({ 'GET /v2/nodes/5150/categories': categoriesOf({ '7710_2': 'Active', '7710_3': ['North'] }, true) });
    assert.deepEqual(await server.client().readCategories(5150), { Supplier: { Status: 'Active', Regions: ['North'] } });
    assert.equal(server.requests[0]?.query.has('metadata'), true);
  });

  it('updates a category the node carries and applies one it does not (pyxecm assign_category, set_category_value)', async () => {
    server = await recordedServer({
      'GET /v2/nodes/5150/categories': (r: RecordedRequest) => categoriesOf({ '7710_2': 'Active', '7710_3': [] }, r.query.has('metadata')),
      'PUT /v2/nodes/5150/categories/7710': { links: { data: {} }, results: {} },
      'POST /v2/nodes/5150/categories': { links: { data: {} }, results: {} },
    });
    const client = server.client();
    await client.applyCategory(5150, { Supplier: { Status: 'Blocked' } });
    await client.applyCategory(5150, { '7720_2': 4 });
    const writes = server.requests.filter((r) => r.method !== 'GET').map((r) => [r.method, r.path, r.body]);
    assert.deepEqual(writes, [
      ['PUT', '/v2/nodes/5150/categories/7710', { '7710_2': 'Blocked' }],
      ['POST', '/v2/nodes/5150/categories', { category_id: 7720, '7720_2': 4 }],
    ]);
  });

  it('filters by a category attribute, by name (cs export "Only where")', async () => {
    server = await recordedServer({ 'GET /v2/nodes/5150/categories': categoriesOf({ '7710_2': 'Active', '7710_3': ['North', 'East'] }, true) });
    const client = server.client();
    assert.equal(await client.attributeMatches(5150, { category: 'supplier', attribute: 'status', equals: 'Active' }), true);
    assert.equal(await client.attributeMatches(5150, { category: 'Supplier', attribute: 'Regions', equals: 'East' }), true);
    assert.equal(await client.attributeMatches(5150, { category: 'Supplier', attribute: 'Status', equals: 'Blocked' }), false);
  });

  it('names the categories a folder offers for the picker, with the templates (browse.ts)', async () => {
    const { pickerCategories } = await import('../../../../src/core/content-server');
    server = await recordedServer({
      'GET /v2/nodes/4100': { results: { data: { properties: { id: 4100, parent_id: 2000, name: 'Suppliers', type: 0, container: true } } } },
      'GET /v2/nodes/4100/categories': categoriesOf({ '7710_2': null, '7710_3': [] }, true),
      'GET /v2/nodes/4300/categories': {
        results: [
          {
            data: { categories: { '7720_2': null } },
            metadata: { categories: auditMeta },
            metadata_map: { categories: { '7720': ['7720_2'] } },
            metadata_order: { categories: ['7720'] },
          },
        ],
      },
    });
    const categories = await pickerCategories(server.client({ categoryTemplates: [4300] }), 4100);
    assert.deepEqual(
      categories.map((c) => [c.id, c.name, c.attributes.map((a) => [a.key, a.name, a.type, a.multiValue, a.required])]),
      [
        [
          7710,
          'Supplier',
          [
            ['7710_2', 'Status', 'string', false, false],
            ['7710_3', 'Regions', 'string', true, false],
          ],
        ],
        [7720, 'Audit', [['7720_2', 'Score', 'integer', false, true]]],
      ],
    );
  });

  it('searches page by page (pyxecm search: a v2 collection)', async () => {
    const row = (id: number, name: string): unknown => ({
      data: { properties: { id, name, type: 144, parent_id: 4100, modify_date: '2026-03-02T08:15:00Z' } },
    });
    server = await recordedServer({
      'POST /v2/search': (r: RecordedRequest) =>
        r.form.page === '2'
          ? { results: [row(5152, 'c.pdf')], collection: { paging: { page: 2, limit: 2, total_count: 3, page_total: 2 } } }
          : { results: [row(5150, 'a.pdf'), row(5151, 'b.pdf')], collection: { paging: { page: 1, limit: 2, total_count: 3, page_total: 2 } } },
    });
    const names: string[] = [];
    for await (const n of server.client().search({ where: 'OTSubType:144', pageSize: 2 })) names.push(n.name);
    assert.deepEqual(names, ['a.pdf', 'b.pdf', 'c.pdf']);
    assert.deepEqual([server.requests[0]?.form.where, server.requests[0]?.form.lookfor], ['OTSubType:144', 'complexquery']);
  });

  it('reads permissions and grants by member name, replacing an existing grant', async () => {
    const member = { id: 6100, name: 'Purchasing', type: 1, type_name: 'Group', deleted: false };
    server = await recordedServer({
      'GET /v2/members': (r: RecordedRequest) =>
        r.query.get('where_type') === '1'
          ? { results: [{ data: { properties: member } }], collection: { paging: { page: 1, limit: 20, total_count: 1, page_total: 1 } } }
          : { results: [], collection: { paging: { page: 1, limit: 20, total_count: 0, page_total: 1 } } },
      'GET /v2/nodes/5150/permissions': {
        results: [
          { data: { permissions: { type: 'owner', right_id: 1000, permissions: ['see', 'see_contents', 'modify'] } } },
          { data: { permissions: { type: 'public', right_id: null, permissions: ['see', 'see_contents'] } } },
          { data: { permissions: { type: 'custom', right_id: 6100, permissions: ['see'] } } },
        ],
      },
      'PUT /v2/nodes/5150/permissions/custom/6100': { results: {} },
    });
    const client = server.client();
    assert.deepEqual(
      (await client.governance.permissions(5150)).map((p) => [p.type, p.right_id]),
      [
        ['owner', 1000],
        ['public', null],
        ['custom', 6100],
      ],
    );
    await client.governance.grant(5150, 'Purchasing', ['see_contents']);
    const write = server.requests.find((r) => r.method === 'PUT');
    assert.deepEqual(write?.body, { permissions: ['see', 'see_contents'], apply_to: 0 });
  });

  it('reads the large-file settings (reference section 5)', async () => {
    const { LargeFileUploads, CsHttp } = await import('../../../../src/core/content-server');
    server = await recordedServer({
      'GET /v2/multipart/settings': { results: { data: { is_enabled: true, max_size: 1_000_000, min_size: 10 } } },
    });
    const uploads = new LargeFileUploads(new CsHttp({ baseUrl: server.apiBase, auth: { kind: 'ticket', ticket: 't' }, retry: { retries: 0 } }), 100);
    assert.deepEqual([await uploads.applies(50), await uploads.applies(500), await uploads.applies(2_000_000)], [false, true, false]);
  });

  it('logs in with a password (POST /v1/auth -> ticket) and sends the ticket after', async () => {
    server = await recordedServer({
      'POST /v1/auth': (r: RecordedRequest) =>
        r.form.username === 'kwagner' && r.form.password === 'pw' ? { ticket: 'T-1' } : { status: 401, json: { error: 'Invalid username/password specified' } },
      'GET /v1/auth': { data: { id: 4711, name: 'kwagner' } },
    });
    const client = server.client({ auth: { kind: 'password', username: 'kwagner', password: 'pw' } });
    assert.deepEqual(await client.whoami(), { id: 4711, name: 'kwagner' });
    assert.equal(server.requests.find((r) => r.method === 'GET')?.ticket, 'T-1');
  });

  it('sends a large file in the parts the server asks for (reference section 5)', async () => {
    const { LargeFileUploads, CsHttp } = await import('../../../../src/core/content-server');
    const { Readable } = await import('node:stream');
    server = await recordedServer({
      'GET /v2/multipart/settings': { results: { data: { is_enabled: true, max_size: 1_000_000, min_size: 1 } } },
      'POST /v2/multipart': { results: { upload_key: 'K7', num_parts: 3, part_size: 4 } },
      'POST /v2/multipart/K7/1': { results: {} },
      'POST /v2/multipart/K7/2': { results: {} },
      'POST /v2/multipart/K7/3': { results: {} },
      'POST /v2/multipart/K7': { results: {} },
    });
    const uploads = new LargeFileUploads(new CsHttp({ baseUrl: server.apiBase, auth: { kind: 'ticket', ticket: 't' }, retry: { retries: 0 } }), 1);
    const key = await uploads.send(() => Readable.from([Buffer.from('0123456789')]), 'big.bin', 10, 'application/octet-stream');
    assert.equal(key, 'K7');
    assert.deepEqual(
      server.requests.map((r) => r.path),
      ['/v2/multipart', '/v2/multipart/K7/1', '/v2/multipart/K7/2', '/v2/multipart/K7/3', '/v2/multipart/K7'],
    );
    assert.deepEqual(server.requests[0]?.form, { file_name: 'big.bin', file_size: '10', mime_type: 'application/octet-stream' });
  });
});
