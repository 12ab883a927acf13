/**
 * Node, children and version reads of the client (nodes.ts), fed answers in the shape a real Content
 * Server gives, written from the examples OpenText's own client documents (pyxecm `OTCS.get_node`,
 * `get_subnodes`, `create_item`, `get_document_versions`, `get_document_version`,
 * `get_latest_document_version`); ids, names and dates are our own.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { toVersion, versionAnswer, versionListAnswer } from '../../../../src/core/content-server/nodes';
import { recordedServer, v2Collection, v2One, type RecordedRequest, type RecordedServer } from '../../../support/recorded-cs';

/** A node's properties as a real v2 read gives them (a subset of the many fields, none invented). */
function nodeProps(over: Record<string, unknown>): Record<string, unknown> {
  return {
    advanced_versioning: null,
    container: false,
    container_size: 0,
    create_date: '2026-03-02T08:15:00Z',
    create_user_id: 1000,
    description: '',
    external_create_date: null,
    external_identity: '',
    external_identity_type: '',
    external_modify_date: null,
    external_source: '',
    hidden: false,
    mime_type: null,
    modify_date: '2026-03-02T08:15:00Z',
    modify_user_id: 1000,
    owner_user_id: 1000,
    reserved: false,
    size: 0,
    size_formatted: '0 Items',
    versions_control_advanced: false,
    ...over,
  };
}

/** One version as `data.versions` holds it on a real server. */
function versionProps(n: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    create_date: `2026-03-0${n}T09:00:00Z`,
    description: n === 2 ? 'corrected' : '',
    external_create_date: null,
    external_identity: '',
    external_identity_type: '',
    external_modify_date: '2026-03-01T10:00:00',
    external_source: 'file_system',
    file_create_date: `2026-03-0${n}T09:00:00Z`,
    file_modify_date: '2026-03-01T10:00:00Z',
    file_name: n === 1 ? 'offer.pdf' : 'offer-v2.pdf',
    file_size: 1000 * n,
    file_type: 'pdf',
    has_generation: false,
    id: 5150,
    locked: false,
    locked_date: null,
    locked_user_id: null,
    mime_type: 'application/pdf',
    modify_date: `2026-03-0${n}T09:00:00Z`,
    name: 'offer.pdf',
    owner_id: 1000,
    provider_id: 7000 + n,
    version_id: 8000 + n,
    version_number: n,
    version_number_major: 0,
    version_number_minor: n,
    version_number_name: String(n),
    ...over,
  };
}

describe('content-server nodes: reads in the real server shapes', () => {
  let server: RecordedServer;
  afterEach(async () => {
    await server?.close();
  });

  it('lists versions from data.versions (pyxecm get_document_versions)', async () => {
    server = await recordedServer({
      'GET /v2/nodes/5150/versions': { links: { data: {} }, results: [{ data: { versions: versionProps(1) } }, { data: { versions: versionProps(2) } }] },
    });
    const versions = await server.client().versions(5150);
    assert.deepEqual(
      versions.map((v) => [v.nodeId, v.versionNumber, v.fileName, v.fileSize, v.mimeType, v.description, v.createDate?.toISOString()]),
      [
        [5150, 1, 'offer.pdf', 1000, 'application/pdf', '', '2026-03-01T09:00:00.000Z'],
        [5150, 2, 'offer-v2.pdf', 2000, 'application/pdf', 'corrected', '2026-03-02T09:00:00.000Z'],
      ],
    );
  });

  it('reads the latest version from the v1 data object, and a new version answered under data.versions (not captured: both shapes read)', async () => {
    server = await recordedServer({
      // pyxecm get_latest_document_version uses v1 and reads data.version_number.
      'GET /v1/nodes/5150/versions/latest': { data: versionProps(2) },
      'POST /v2/nodes/5150/versions': v2One({ versions: versionProps(3, { file_name: 'offer-v3.pdf', file_size: 3000 }) }),
    });
    const client = server.client();
    const latest = await client.nodes.latestVersion(5150);
    assert.deepEqual([latest.versionNumber, latest.fileName], [2, 'offer-v2.pdf']);
    const added = await client.nodes.addVersion(5150, { name: 'offer.pdf', open: () => Readable.from([Buffer.from('x')]), filename: 'offer-v3.pdf' });
    assert.deepEqual([added.versionNumber, added.fileName, added.fileSize], [3, 'offer-v3.pdf', 3000]);
  });

  it('still reads versions answered under data.properties', async () => {
    server = await recordedServer({ 'GET /v2/nodes/5150/versions': v2Collection([{ data: { properties: versionProps(1) } }]) });
    assert.deepEqual(
      (await server.client().versions(5150)).map((v) => v.versionNumber),
      [1],
    );
  });

  it('reads a node (pyxecm get_node) and a page of children with their paging (pyxecm get_subnodes)', async () => {
    server = await recordedServer({
      'GET /v2/nodes/4100': v2One({
        properties: nodeProps({ id: 4100, parent_id: 2000, name: 'Suppliers', type: 0, type_name: 'Folder', container: true, volume_id: -2000 }),
      }),
      'GET /v2/nodes/4100/nodes': v2Collection(
        [
          {
            data: {
              properties: nodeProps({
                id: 5150,
                parent_id: 4100,
                name: 'offer.pdf',
                type: 144,
                type_name: 'Document',
                size: 2000,
                mime_type: 'application/pdf',
              }),
            },
          },
          { data: { properties: nodeProps({ id: 5151, parent_id: 4100, name: '2026', type: 0, type_name: 'Folder', container: true }) } },
        ],
        { limit: 2, total_count: 5, page_total: 3 },
      ),
    });
    const client = server.client();
    const folder = await client.getNode(4100);
    assert.deepEqual([folder.id, folder.parentId, folder.name, folder.type, folder.container], [4100, 2000, 'Suppliers', 0, true]);
    const page = await client.nodes.childrenPage(4100, 1, { whereType: [-2] });
    assert.deepEqual(
      page.items.map((n) => [n.id, n.name, n.type, n.size, n.mimeType, n.container]),
      [
        [5150, 'offer.pdf', 144, 2000, 'application/pdf', false],
        [5151, '2026', 0, 0, undefined, true],
      ],
    );
    assert.deepEqual([page.pageTotal, page.totalCount], [3, 5]);
    assert.deepEqual(server.requests[1]?.query.getAll('where_type'), ['-2']);
  });

  it('reads a created folder from the v2 one-item answer (pyxecm create_item)', async () => {
    server = await recordedServer({
      'POST /v2/nodes': v2One({ properties: nodeProps({ id: 5200, parent_id: 4100, name: 'Archive', type: 0, type_name: 'Folder', container: true }) }),
    });
    const folder = await server.client().nodes.createFolder(4100, 'Archive');
    assert.deepEqual([folder.id, folder.name, folder.parentId], [5200, 'Archive', 4100]);
    assert.deepEqual(server.requests[0]?.form, { type: '0', parent_id: '4100', name: 'Archive' });
  });

  it('reads zoneless dates of older servers as UTC', async () => {
    server = await recordedServer({
      'GET /v2/nodes/4100': v2One({ properties: nodeProps({ id: 4100, name: 'Old', type: 0, modify_date: '2017-03-08T04:32:15' }) }),
    });
    assert.equal((await server.client().getNode(4100)).modifyDate?.toISOString(), '2017-03-08T04:32:15.000Z');
  });

  it('reads a created document, and the node a rename or move answers (v2 one-item answers)', async () => {
    const doc = (over: Record<string, unknown>): unknown =>
      v2One({
        properties: nodeProps({
          id: 5160,
          parent_id: 4100,
          name: 'offer.pdf',
          type: 144,
          type_name: 'Document',
          size: 5,
          mime_type: 'application/pdf',
          ...over,
        }),
      });
    server = await recordedServer({
      'POST /v2/nodes': doc({}),
      'PUT /v2/nodes/5160': (r: RecordedRequest) => doc(r.form.name ? { name: r.form.name } : { parent_id: Number(r.form.parent_id) }),
    });
    const nodes = server.client().nodes;
    const created = await nodes.createDocument(4100, { name: 'offer.pdf', open: () => Readable.from([Buffer.from('%PDF-')]), mimeType: 'application/pdf' });
    assert.deepEqual([created.id, created.type, created.size, created.mimeType], [5160, 144, 5, 'application/pdf']);
    assert.ok((server.requests[0]?.size ?? 0) > 5, 'sent as multipart with the file');
    assert.equal((await nodes.rename(5160, 'offer-final.pdf')).name, 'offer-final.pdf');
    assert.equal((await nodes.move(5160, 4200)).parentId, 4200);
  });
});

/*
 * Version answers as a real Content Server gives them: the version under `data.versions` (pyxecm's
 * capture of GET /v2/nodes/{id}/versions; OpenText's OpenAPI for adding a version, which also puts
 * the document in `data.properties`), and flat v1 `data`.
 */
const version = (n: number, description = ''): Record<string, unknown> => ({
  create_date: '2025-06-07T05:29:22Z',
  description,
  external_source: 'file_system',
  file_name: 'OpenText-PPT-Presentation-FY25-LIGHT-FINAL.pptx',
  file_size: 4057237 + n,
  id: 107044,
  version_id: 103563 + n,
  version_number: n,
  version_number_major: 0,
  version_number_minor: n,
  version_number_name: String(n),
});

describe('content-server: node and version answers', () => {
  it('reads a v2 version list with one data.versions per row', () => {
    const body = { links: {}, results: [{ data: { versions: version(1) } }, { data: { versions: version(2, 'second') } }] };
    const versions = versionListAnswer(body).map((p) => toVersion(p, 107044));
    assert.deepEqual(
      versions.map((v) => [v.versionNumber, v.fileSize, v.description]),
      [
        [1, 4057238, ''],
        [2, 4057239, 'second'],
      ],
    );
  });

  it('reads the new version of an add-version answer, not the document beside it', () => {
    const body = {
      links: {},
      results: { data: { properties: { id: 107044, name: 'deck.pptx', type: 144, size: 1 }, versions: version(3, 'third') } },
    };
    const v = toVersion(versionAnswer(body), 107044);
    assert.deepEqual([v.versionNumber, v.description, v.fileSize], [3, 'third', 4057240]);
  });

  it('takes a versions list where the OpenAPI types one, and flat v1 data', () => {
    assert.equal(toVersion(versionAnswer({ results: { data: { versions: [version(4)] } } }), 1).versionNumber, 4);
    assert.equal(toVersion(versionAnswer({ data: version(5) }), 1).versionNumber, 5);
    assert.deepEqual(
      versionListAnswer({ data: [version(1), version(2)] }).map((p) => p.version_number),
      [1, 2],
    );
  });
});
