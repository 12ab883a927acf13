/**
 * Governance reads of the client (governance.ts), fed answers in the shape a real Content Server
 * gives, written from the examples OpenText's own client documents (pyxecm `OTCS.get_user`,
 * `get_users`, `get_groups`, `get_records_management_holds`, `assign_rm_classification`, and the
 * reference's records-details rows); ids and names are our own.
 */
import assert from 'node:assert/strict';
import { FileBridgeError } from '../../../../src/core/errors';
import { recordedServer, v2Collection, type RecordedRequest, type RecordedServer } from '../../../support/recorded-cs';

const USERS = [
  { id: 1000, name: 'Admin', type: 0, type_name: 'User', first_name: 'Admin', last_name: '', deleted: false, group_id: 999, name_formatted: 'Admin' },
  {
    id: 4711,
    name: 'kwagner',
    type: 0,
    type_name: 'User',
    first_name: 'Karl',
    last_name: 'Wagner',
    deleted: false,
    group_id: 999,
    name_formatted: 'Karl Wagner',
  },
  {
    id: 4712,
    name: 'kwagner2',
    type: 0,
    type_name: 'User',
    first_name: 'Kim',
    last_name: 'Wagner',
    deleted: false,
    group_id: 999,
    name_formatted: 'Kim Wagner',
  },
];
const GROUPS = [{ id: 6100, name: 'Purchasing', type: 1, type_name: 'Group', deleted: false, leader_id: null, initials: 'P', name_formatted: 'Purchasing' }];

/** `GET /v2/members` as pyxecm documents it: where_type and where_name filter, at most 20 a page. */
function members(req: RecordedRequest): unknown {
  const limit = Number(req.query.get('limit') ?? 10);
  if (limit > 20) return { status: 400, json: { error: `Invalid value for limit: ${limit}` } };
  const type = Number(req.query.get('where_type'));
  const name = req.query.get('where_name');
  const pool = type === 1 ? GROUPS : USERS;
  const rows = pool.filter((m) => name === null || m.name.toLowerCase() === name.toLowerCase());
  return v2Collection(
    rows.map((properties) => ({ data: { properties } })),
    { limit },
  );
}

describe('content-server governance: reads in the real server shapes', () => {
  let server: RecordedServer;
  afterEach(async () => {
    await server?.close();
  });

  describe('members by name (pyxecm get_user, get_groups)', () => {
    it('asks by where_type and where_name, at most 20 a page, and takes that member', async () => {
      server = await recordedServer({ 'GET /v2/members': members });
      const client = server.client();
      assert.deepEqual(await client.governance.member('kwagner', 0), { id: 4711, name: 'kwagner', type: 0 });
      const asked = server.requests[0];
      assert.deepEqual([asked?.query.get('where_type'), asked?.query.get('where_name'), asked?.query.has('query')], ['0', 'kwagner', false]);
      assert.ok(Number(asked?.query.get('limit')) <= 20);
      assert.deepEqual(await client.governance.member('Purchasing', 1), { id: 6100, name: 'Purchasing', type: 1 });
    });

    it('looks at users, then groups, when no type is given', async () => {
      server = await recordedServer({ 'GET /v2/members': members });
      assert.deepEqual(await server.client().governance.member('purchasing'), { id: 6100, name: 'Purchasing', type: 1 });
      assert.deepEqual(
        server.requests.map((r) => r.query.get('where_type')),
        ['0', '1'],
      );
    });

    it('never takes another member when a server ignores the filter and answers everyone', async () => {
      const everyone = v2Collection([...USERS, ...GROUPS].map((properties) => ({ data: { properties } })));
      server = await recordedServer({ 'GET /v2/members': everyone });
      const client = server.client();
      assert.equal((await client.governance.member('kwagner', 0)).id, 4711);
      await assert.rejects(
        client.governance.member('jdoe', 0),
        (err: unknown) => err instanceof FileBridgeError && err.code === 'NOT_FOUND' && /jdoe/.test(err.message),
      );
      await assert.rejects(client.governance.member('Purchasing', 0), { code: 'NOT_FOUND' }, 'a group is not a user');
    });

    it('pages on when the exact name is not on the first page', async () => {
      const page = (n: number): unknown =>
        v2Collection(n === 1 ? [{ data: { properties: USERS[2] } }] : [{ data: { properties: USERS[1] } }], {
          page: n,
          limit: 1,
          total_count: 2,
          page_total: 2,
        });
      server = await recordedServer({ 'GET /v2/members': (r: RecordedRequest) => page(Number(r.query.get('page') ?? 1)) });
      assert.equal((await server.client().governance.member('kwagner', 0)).id, 4711);
      assert.deepEqual(
        server.requests.map((r) => r.query.get('page')),
        ['1', '2'],
      );
    });
  });

  describe('holds (pyxecm get_records_management_holds)', () => {
    const hold = (id: number, name: string, active: number): Record<string, unknown> => ({
      HoldID: id,
      HoldName: name,
      ActiveHold: active,
      OBJECT: null,
      ApplyPatron: 'Records Management System User',
      DateApplied: null,
      HoldComment: '',
      HoldType: 'Legal',
      DateToRemove: null,
      DateRemoved: null,
      RemovalPatron: null,
      RemovalComment: null,
      EditDate: null,
      EditPatron: null,
      AlternateHoldID: name,
      ParentID: null,
    });

    it('reads ActiveHold as the number it is: 0 is a hold no longer active', async () => {
      server = await recordedServer({
        'GET /v2/holds': { results: { data: { holds: [hold(31, 'Dispute 2025', 0), hold(32, 'Dispute 2026', 1)] } } },
        'GET /v1/nodes/5150/holds': { data: [hold(32, 'Dispute 2026', 1)] },
      });
      const client = server.client();
      assert.deepEqual(await client.governance.holds(), [
        { id: 31, name: 'Dispute 2025', type: 'Legal', active: false },
        { id: 32, name: 'Dispute 2026', type: 'Legal', active: true },
      ]);
      assert.deepEqual(
        (await client.governance.nodeHolds(5150)).map((h) => [h.id, h.active]),
        [[32, true]],
      );
    });
  });

  describe('records management classifications (pyxecm assign_rm_classification)', () => {
    const row = (classId: number, name: string): Record<string, unknown> => ({
      rmclassification_id: classId,
      name,
      file_number: `F-${classId}`,
      status: 'ACTIVE',
      status_date: '2026-03-02T00:00:00',
      record_date: '2026-03-02T00:00:00',
      essential: false,
      official: false,
    });

    it('reads rows by rmclassification_id', async () => {
      server = await recordedServer({ 'GET /v1/nodes/5150/rmclassifications': { data: [row(2502, 'Invoices')], rm_metadataToken: 'tok-1' } });
      assert.deepEqual(await server.client().governance.classifications(5150), {
        items: [{ classId: 2502, name: 'Invoices', status: 'ACTIVE' }],
        token: 'tok-1',
      });
    });

    it('applies a first classification without a token, as pyxecm does, even when the server hands out none', async () => {
      server = await recordedServer({
        'GET /v1/nodes/5150/rmclassifications': { data: [] },
        'POST /v1/nodes/5150/rmclassifications': (r: RecordedRequest) => ({ data: [row(Number((r.body as { class_id: number }).class_id), 'Invoices')] }),
      });
      assert.equal(await server.client().governance.classify(5150, 2502), 2502);
      assert.deepEqual(server.requests[1]?.body, { class_id: 2502 });
    });

    it('sends the fresh token when the node has a classification already, and leaves an applied one alone', async () => {
      server = await recordedServer({
        'GET /v1/nodes/5150/rmclassifications': { data: [row(2502, 'Invoices')], rm_metadataToken: 'tok-2' },
        'POST /v1/nodes/5150/rmclassifications': { data: [] },
      });
      const client = server.client();
      assert.equal(await client.governance.classify(5150, 2502), 2502);
      assert.equal(server.requests.filter((r) => r.method === 'POST').length, 0, 'already applied');
      assert.equal(await client.governance.classify(5150, 2503), 2503);
      assert.deepEqual(server.requests.find((r) => r.method === 'POST')?.body, { class_id: 2503, rm_metadataToken: 'tok-2' });
    });
  });
});
