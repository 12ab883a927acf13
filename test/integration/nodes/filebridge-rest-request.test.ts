/*
 * filebridge-rest-request ("rest request") in a Node-RED flow against the REST simulator (and real
 * vsftpd where a file stream is needed): every body mode (none, JSON, records in batches, raw file,
 * multipart), every response mode (JSON, stream, none), Output keep, paging in each style through the
 * node with one message per page, per record, or one file written onto FTP; a 422 on batch k reaching
 * a Catch node as API_REJECTED with its field errors while the batches before it stay posted, and a
 * corrected resend replayed, not duplicated; template checks at deploy and before any request; no
 * secret in a message, a status, a log or an error.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import restRequestNode from '../../../src/nodes/filebridge-rest-request';
import restConnectionNode from '../../../src/nodes/filebridge-rest-connection';
import partnerFormatNode from '../../../src/nodes/filebridge-partner-format';
import serverNode from '../../../src/nodes/filebridge-server';
import remoteNode from '../../../src/nodes/filebridge-remote';
import type { RestFacts } from '../../../src/core/rest/request-run';
import { servers } from '../../support/dev-servers';
import { serverConfigNode } from '../../support/server-config-node';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow, onCall } from '../../support/flow-helper';
import { restCall, useRestSim } from '../../support/rest-sim';
import { restConnectionCredentials, restConnectionNode as connectionFields, restSimSecrets, type RestSimAuth } from '../../support/rest-connection-node';

helper.init(nodeRedPath());

const NODES: unknown[] = [restConnectionNode, partnerFormatNode, restRequestNode, serverNode, remoteNode, coreNode('common/25-catch.js')];

type Msg = Record<string, unknown> & {
  payload?: unknown;
  filename?: string;
  error?: { code?: string; message: string };
  filebridge?: { rest?: RestFacts };
};

const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

async function readAll(stream: unknown): Promise<Buffer> {
  assert.ok(stream instanceof Readable, 'msg.payload is a stream');
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

describe('filebridge-rest-request node in a Node-RED flow', function () {
  this.timeout(60_000);
  const used = useRestSim();
  let seq = 0;
  let statuses: string[];
  let logged: string[];

  afterEach(async () => {
    await helper.unload();
  });

  /**
   * inject-less flow: `req` (rest request) -> `out`; Catch(req) -> `caught`; optional extra nodes
   * (a remote get in front, a remote put after). Messages go in with `helper.getNode(first).receive`.
   */
  async function load(
    req: Record<string, unknown>,
    o: { auth?: RestSimAuth; extra?: Record<string, unknown>[]; wires?: string[][]; conn?: Record<string, unknown>; collect?: string[] } = {},
  ): Promise<Arrivals<Msg>> {
    const auth = o.auth ?? 'basic';
    await loadFlow(
      NODES,
      [
        { id: 'tab', type: 'tab', label: 'rest request' },
        connectionFields(used.sim, auth, o.conn),
        serverConfigNode('ftp', { id: 'srv' }),
        {
          id: 'req',
          z: 'tab',
          x: 300,
          y: 100,
          type: 'filebridge-rest-request',
          connection: 'conn',
          method: 'GET',
          path: '/ping',
          query: [],
          headers: [],
          body: 'none',
          format: '',
          batchSize: 500,
          batchKey: '',
          response: 'json',
          output: 'payload',
          paging: 'none',
          emit: 'one',
          wires: o.wires ?? [['out']],
          ...req,
        },
        { id: 'out', z: 'tab', x: 500, y: 100, type: 'helper' },
        { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
        ...(o.extra ?? []),
      ],
      { conn: restConnectionCredentials(used.sim, auth), srv: { password: servers().password } },
    );
    statuses = [];
    logged = [];
    onCall<{ text?: string }>('req', 'status', (call) => statuses.push(String(call.args[0]?.text ?? '')));
    onCall<unknown>('req', 'error', (call) => logged.push(call.args.map((a) => (a instanceof Error ? a.message : JSON.stringify(a))).join(' ')));
    return new Arrivals<Msg>(o.collect ?? ['out', 'caught']);
  }

  function assertNoSecret(...seen: unknown[]): void {
    const text = JSON.stringify([seen, statuses, logged], (_k, v: unknown) => (v instanceof Readable ? '[stream]' : v));
    for (const secret of [...restSimSecrets(used.sim), servers().password]) assert.ok(!text.includes(secret), `a secret showed: ${text.slice(0, 300)}`);
  }

  /** Products of a test, with skus unique to it. */
  function products(n: number, prefix: string): { sku: string; name: string; price: number }[] {
    return Array.from({ length: n }, (_, i) => ({ sku: `${prefix}-${i}`, name: `Product ${i}`, price: i + 0.5 }));
  }

  function stored(prefix: string): string[] {
    return used.sim
      .state({ resource: 'products', offset: 0, limit: 100000 })
      .products.items.map((p) => String((p as { sku?: unknown }).sku))
      .filter((s) => s.startsWith(`${prefix}-`))
      .sort();
  }

  it('Body JSON: msg.payload posted as JSON; msg.payload the JSON answer; msg.filebridge.rest says connection, method, url, status', async () => {
    const prefix = `J${++seq}`;
    const arrivals = await load({ method: 'POST', path: '/products/batch', body: 'json' });
    helper.getNode('req').receive({ payload: products(3, prefix) } as never);
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'out', JSON.stringify(msg.error));
    assert.deepEqual(msg.payload, { accepted: 3, created: 3, updated: 0 });
    const rest = msg.filebridge?.rest;
    assert.equal(rest?.connection, used.sim.apiUrl);
    assert.equal(rest?.method, 'POST');
    assert.equal(rest?.url, `${used.sim.apiUrl}/products/batch`);
    assert.equal(rest?.status, 200);
    assert.deepEqual(stored(prefix), [`${prefix}-0`, `${prefix}-1`, `${prefix}-2`]);
    assert.ok(statuses.at(-1)?.startsWith('200'), statuses.join(' | '));
    assertNoSecret(msg);
  });

  it('Body records: a CSV streamed from vsftpd is posted in batches of 4 with idempotency keys; a second send is replayed, nothing stored twice', async () => {
    const prefix = `R${++seq}`;
    const dir = `rest-records-${seq}-${Date.now()}`;
    const rows = Array.from({ length: 10 }, (_, i) => `${prefix}-${i};Schraube ${i};${i},25`);
    await servers().writeFile(`${dir}/products.csv`, `Artikel;Bezeichnung;Preis\r\n${rows.join('\r\n')}\r\n`);
    const extra = [
      {
        id: 'fmt',
        type: 'filebridge-partner-format',
        name: 'ACME',
        kind: 'csv',
        delimiter: ';',
        quote: '"',
        header: true,
        encoding: 'utf8',
        decimalSeparator: ',',
        unknownColumns: 'fail',
        columns: [
          { field: 'sku', header: 'Artikel', type: 'string', format: '', required: true },
          { field: 'name', header: 'Bezeichnung', type: 'string', format: '', required: true },
          { field: 'price', header: 'Preis', type: 'number', format: '', required: true },
        ],
      },
      {
        id: 'get',
        z: 'tab',
        x: 100,
        y: 100,
        type: 'filebridge-remote',
        server: 'srv',
        operation: 'get',
        path: `${dir}/products.csv`,
        pathType: 'str',
        output: 'stream',
        wires: [['req']],
      },
    ];
    const arrivals = await load({ method: 'POST', path: '/products/batch', body: 'records', format: 'fmt', batchSize: 4 }, { extra });
    const before = used.sim.stats();
    helper.getNode('get').receive({} as never);
    const first = await arrivals.next();
    assert.equal(first.id, 'out', JSON.stringify(first.msg.error));
    assert.equal(first.msg.filebridge?.rest?.batches, 3);
    assert.equal(first.msg.filebridge?.rest?.records, 10);
    assert.equal(first.msg.filebridge?.rest?.replayed, 0);
    assert.deepEqual(first.msg.payload, { accepted: 2, created: 2, updated: 0 }, 'the answer to the last batch');
    assert.equal(stored(prefix).length, 10);
    const product = used.sim
      .state({ resource: 'products', offset: 0, limit: 100000 })
      .products.items.find((p) => (p as { sku?: string }).sku === `${prefix}-3`) as {
      name: string;
      price: number;
    };
    assert.equal(product.price, 3.25, 'decimal comma read as a number');
    assert.equal(product.name, 'Schraube 3');
    const afterFirst = used.sim.stats();
    assert.equal(afterFirst.byRoute['POST /api/v1/products/batch'] - (before.byRoute['POST /api/v1/products/batch'] ?? 0), 3, 'one request per batch');

    // The same file again: every batch has the same key, the API replays its first answers.
    helper.getNode('get').receive({} as never);
    const second = await arrivals.next();
    assert.equal(second.id, 'out', JSON.stringify(second.msg.error));
    assert.equal(second.msg.filebridge?.rest?.replayed, 3);
    const after = used.sim.stats();
    assert.equal(after.replays - afterFirst.replays, 3);
    assert.equal(after.duplicatePosts, before.duplicatePosts, 'no record stored twice');
    assert.equal(after.recordsPosted.products - afterFirst.recordsPosted.products, 0);
    assert.ok(
      statuses.some((s) => /^batch \d+, \d+ records$/.test(s)),
      statuses.join(' | '),
    );
    assertNoSecret(first.msg, second.msg);
  });

  it('Body records: wrapped as { items: [...] } with Wrap batch in; batch size 1 fills {record.sku} per request', async () => {
    const prefix = `W${++seq}`;
    const json = JSON.stringify(products(3, prefix));
    const arrivals = await load({
      method: 'POST',
      path: '/products/batch',
      body: 'records',
      batchSize: 1,
      batchKey: 'items',
      query: [{ name: 'sku', value: '{record.sku}' }],
    });
    helper.getNode('req').receive({ payload: Buffer.from(json), filename: '/in/products.json' } as never);
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'out', JSON.stringify(msg.error));
    assert.equal(msg.filebridge?.rest?.batches, 3);
    assert.equal(msg.filebridge?.rest?.url, `${used.sim.apiUrl}/products/batch?sku=${prefix}-2`, 'the last request named its record');
    assert.deepEqual(stored(prefix), [`${prefix}-0`, `${prefix}-1`, `${prefix}-2`]);
  });

  it('a 422 on batch 2 reaches the Catch node as API_REJECTED with batch, firstRecord and field errors; batch 1 stays posted; the corrected resend replays it', async () => {
    const prefix = `F${++seq}`;
    const good = products(6, prefix);
    const bad = good.map((p, i) => (i === 4 ? { ...p, price: -1 } : p));
    const arrivals = await load({ method: 'POST', path: '/products/batch', body: 'records', batchSize: 3 });
    const before = used.sim.stats();
    helper.getNode('req').receive({ payload: bad.map((p) => JSON.stringify(p)).join('\n'), filename: 'p.jsonl' } as never);
    const failed = await arrivals.next();
    assert.equal(failed.id, 'caught');
    assert.equal(failed.msg.error?.code, 'API_REJECTED', failed.msg.error?.message);
    // What the API said travels in msg.filebridge.rest (a Catch node gets only message, code and stack of the error).
    const rest = failed.msg.filebridge?.rest;
    assert.equal(rest?.status, 422);
    assert.equal(rest?.url, `${used.sim.apiUrl}/products/batch`);
    const details = rest?.failure ?? { code: '' };
    assert.equal(details.code, 'API_REJECTED');
    assert.equal(details.batch, 2);
    assert.equal(details.firstRecord, 4);
    assert.equal(details.batches, 1, 'one batch posted before');
    const fieldErrors = details.fieldErrors as { index: number; field: string; record: number }[];
    assert.equal(fieldErrors[0].index, 1);
    assert.equal(fieldErrors[0].field, 'price');
    assert.equal(fieldErrors[0].record, 5, 'the record number in the file');
    assert.match(failed.msg.error?.message ?? '', /Batch 2 \(records 4-6\)/);
    assert.deepEqual(stored(prefix), [`${prefix}-0`, `${prefix}-1`, `${prefix}-2`], 'batch 1 stays posted, nothing of batch 2');
    assert.ok(statuses.includes('API_REJECTED'), statuses.join(' | '));

    helper.getNode('req').receive({ payload: good.map((p) => JSON.stringify(p)).join('\n'), filename: 'p.jsonl' } as never);
    const fixed = await arrivals.next();
    assert.equal(fixed.id, 'out', JSON.stringify(fixed.msg.error));
    assert.equal(fixed.msg.filebridge?.rest?.replayed, 1, 'batch 1 replayed');
    assert.equal(stored(prefix).length, 6);
    assert.equal(used.sim.stats().duplicatePosts, before.duplicatePosts);
    assertNoSecret(failed.msg, fixed.msg);
  });

  it('Body file: msg.payload (a stream from vsftpd) PUT raw with its content type; Body multipart: as part "file" with the file name', async () => {
    const dir = `rest-file-${++seq}-${Date.now()}`;
    const data = randomBytes(200_000);
    await servers().writeFile(`${dir}/scan.pdf`, data);
    const get = (id: string, wire: string): Record<string, unknown> => ({
      id,
      z: 'tab',
      x: 100,
      y: 100,
      type: 'filebridge-remote',
      server: 'srv',
      operation: 'get',
      path: `${dir}/scan.pdf`,
      pathType: 'str',
      output: 'stream',
      wires: [[wire]],
    });
    let arrivals = await load({ method: 'PUT', path: '/media/{name}', body: 'file', contentType: 'application/pdf' }, { extra: [get('get', 'req')] });
    helper.getNode('get').receive({} as never);
    let { id, msg } = await arrivals.next();
    assert.equal(id, 'out', JSON.stringify(msg.error));
    assert.equal(msg.filebridge?.rest?.status, 201);
    const raw = msg.payload as { name: string; size: number; sha256: string; contentType: string };
    assert.deepEqual([raw.name, raw.size, raw.sha256, raw.contentType], ['scan.pdf', data.length, sha(data), 'application/pdf']);
    await helper.unload();

    arrivals = await load(
      { method: 'POST', path: '/media', body: 'multipart', fileField: 'file', contentType: 'application/pdf' },
      { extra: [get('get', 'req')] },
    );
    helper.getNode('get').receive({} as never);
    ({ id, msg } = await arrivals.next());
    assert.equal(id, 'out', JSON.stringify(msg.error));
    const part = msg.payload as { name: string; size: number; sha256: string };
    assert.deepEqual([part.name, part.size, part.sha256], ['scan.pdf', data.length, sha(data)]);
    assertNoSecret(msg);
  });

  it('Response stream: a backup downloads as msg.payload stream, msg.filename from Content-Disposition (or the File name template); Response none; Output keep', async () => {
    const backup = await used.sim.addBackup('nightly 2026-12-07.tar', 300_000);
    let arrivals = await load({ path: `/backups/{msg.backup}/content`, response: 'stream' });
    helper.getNode('req').receive({ backup: backup.id } as never);
    let { id, msg } = await arrivals.next();
    assert.equal(id, 'out', JSON.stringify(msg.error));
    assert.equal(msg.filename, 'nightly 2026-12-07.tar');
    assert.equal(sha(await readAll(msg.payload)), backup.sha256);
    await helper.unload();

    arrivals = await load({ path: `/backups/{msg.backup}/content`, response: 'stream', fileName: 'backup-{msg.backup}.tar' });
    helper.getNode('req').receive({ backup: backup.id } as never);
    ({ id, msg } = await arrivals.next());
    assert.equal(id, 'out', JSON.stringify(msg.error));
    assert.equal(msg.filename, `backup-${backup.id}.tar`);
    assert.equal(msg.filebridge?.rest?.fileName, `backup-${backup.id}.tar`);
    assert.equal((await readAll(msg.payload)).length, 300_000);
    await helper.unload();

    arrivals = await load({ path: '/ping', response: 'none' });
    helper.getNode('req').receive({ payload: 'in' } as never);
    ({ id, msg } = await arrivals.next());
    assert.equal(id, 'out');
    assert.equal(msg.payload, undefined, 'Response none: no payload');
    assert.equal(msg.filebridge?.rest?.status, 200);
    await helper.unload();

    arrivals = await load({ path: '/ping', output: 'keep' });
    helper.getNode('req').receive({ payload: 'the file stays' } as never);
    ({ id, msg } = await arrivals.next());
    assert.equal(id, 'out', JSON.stringify(msg.error));
    assert.equal(msg.payload, 'the file stays');
    assert.deepEqual(msg.filebridge?.rest?.body, { ok: true });
  });

  it('paging through the node: offset (one message per page), Link header and cursor (one per record), next link and page number', async () => {
    const counts = used.sim.state().counts;
    const collect = async (arrivals: Arrivals<Msg>, n: number): Promise<Msg[]> => {
      const out: Msg[] = [];
      for (let i = 0; i < n; i++) {
        const { id, msg } = await arrivals.next();
        assert.equal(id, 'out', JSON.stringify(msg.error));
        out.push(msg);
      }
      return out;
    };
    // offset/limit: products, pages of 20.
    let arrivals = await load({ path: '/products', paging: 'offset', pageSize: 20, emit: 'page' });
    helper.getNode('req').receive({} as never);
    const pageCount = Math.ceil(counts.products / 20);
    const pages = await collect(arrivals, pageCount);
    assert.deepEqual(
      pages.map((m) => m.filebridge?.rest?.page?.index),
      Array.from({ length: pageCount }, (_, i) => i),
    );
    assert.equal(pages.flatMap((m) => m.payload as unknown[]).length, counts.products);
    assert.match(String(pages[1].filebridge?.rest?.url), /offset=20/);
    await helper.unload();

    // Link header: prices, one message per record.
    arrivals = await load({ path: '/prices', paging: 'linkHeader', pageSize: 50, sizeParam: 'per_page', emit: 'record' });
    helper.getNode('req').receive({} as never);
    const prices = await collect(arrivals, counts.prices);
    assert.deepEqual(
      prices.map((m) => m.filebridge?.rest?.record?.index),
      Array.from({ length: counts.prices }, (_, i) => i),
    );
    assert.ok(prices.every((m) => typeof (m.payload as { sku?: unknown }).sku === 'string'));
    await helper.unload();

    // Cursor: inventory changes, items from data, cursor from next_cursor.
    arrivals = await load({ path: '/inventory/changes', paging: 'cursor', pagingCursor: 'next_cursor', pagingItems: 'data', pageSize: 100, emit: 'record' });
    helper.getNode('req').receive({} as never);
    const changes = await collect(arrivals, counts.inventoryChanges);
    assert.equal(new Set(changes.map((m) => JSON.stringify(m.payload))).size, counts.inventoryChanges, 'every change once');
    await helper.unload();

    // Next link in the body: shipments; page number: partners.
    arrivals = await load({ path: '/shipments', paging: 'nextLink', pagingNext: 'next', emit: 'record' });
    helper.getNode('req').receive({} as never);
    const shipments = await collect(arrivals, counts.shipments);
    assert.equal(new Set(shipments.map((m) => (m.payload as { id: string }).id)).size, counts.shipments);
    await helper.unload();

    arrivals = await load({ path: '/partners', paging: 'page', pageParam: 'page', sizeParam: 'pageSize', pageSize: 5, emit: 'page' });
    helper.getNode('req').receive({} as never);
    const partnerPages = await collect(arrivals, Math.ceil(counts.partners / 5));
    assert.equal(partnerPages.flatMap((m) => m.payload as unknown[]).length, counts.partners);
    assert.ok(/\d+ pages?, \d+ records?/.test(statuses.at(-1) ?? ''), statuses.join(' | '));
    // Nothing more than the pages: the last page ends the run.
    await new Promise((r) => setTimeout(r, 200));
    const extraMsg = await Promise.race([arrivals.next().then(() => 'more'), new Promise((r) => setTimeout(() => r('none'), 100))]);
    assert.equal(extraMsg, 'none');
  });

  it('Send one file: all pages of prices written as a CSV in the partner format, streamed into a remote put on vsftpd', async () => {
    const counts = used.sim.state().counts;
    const dir = `rest-file-out-${++seq}-${Date.now()}`;
    const extra = [
      {
        id: 'fmt',
        type: 'filebridge-partner-format',
        name: 'prices',
        kind: 'csv',
        delimiter: ';',
        header: true,
        encoding: 'utf8',
        lineEnding: 'lf',
        decimalSeparator: ',',
        columns: [
          { field: 'sku', header: 'Artikel', type: 'string', format: '', required: true },
          { field: 'price', header: 'Preis', type: 'number', format: '2', required: true },
        ],
      },
      {
        id: 'put',
        z: 'tab',
        x: 500,
        y: 100,
        type: 'filebridge-remote',
        server: 'srv',
        operation: 'put',
        path: `${dir}/prices.csv`,
        pathType: 'str',
        wires: [['out']],
      },
    ];
    const arrivals = await load(
      { path: '/prices', paging: 'linkHeader', pageSize: 25, emit: 'file', format: 'fmt', fileName: 'prices-{yyyy}.csv' },
      { extra, wires: [['put']] },
    );
    const before = used.sim.stats().byRoute['GET /api/v1/prices'] ?? 0;
    helper.getNode('req').receive({} as never);
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'out', JSON.stringify(msg.error));
    const text = await readFile(servers().localPath(`${dir}/prices.csv`), 'utf8');
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], 'Artikel;Preis');
    assert.equal(lines.length, counts.prices + 1);
    assert.match(lines[1], /^[^;]+;\d+,\d\d$/);
    assert.equal((used.sim.stats().byRoute['GET /api/v1/prices'] ?? 0) - before, Math.ceil(counts.prices / 25));
    assert.equal(msg.filebridge?.rest?.fileName, `prices-${new Date().getUTCFullYear()}.csv`);
  });

  it('templates: an unknown token is refused at deploy naming the known ones; a missing {fields.x} fails before any request; values are one URL segment', async () => {
    let arrivals = await load({ path: '/products/{sku}' });
    assert.match(JSON.stringify(helper.log().args), /unknown token \{sku\}.*\{msg\.<property>\} \{fields\.<name>\}/);
    helper.getNode('req').receive({} as never);
    let { id, msg } = await arrivals.next();
    assert.equal(id, 'caught');
    assert.equal(msg.error?.code, 'INVALID_INPUT');
    await helper.unload();

    arrivals = await load({ path: '/products/{fields.sku}' });
    const before = used.sim.stats().requests;
    helper.getNode('req').receive({} as never);
    ({ id, msg } = await arrivals.next());
    assert.equal(id, 'caught');
    assert.equal(msg.error?.code, 'INVALID_INPUT');
    assert.match(msg.error?.message ?? '', /msg\.filebridge\.fields\.sku/);
    assert.equal(used.sim.stats().requests, before, 'no request was sent');

    // A value with a slash stays one segment: /products/a%2F..%2Fping is a product lookup, not /ping.
    helper.getNode('req').receive({ filebridge: { fields: { sku: 'a/../ping' } } } as never);
    ({ id, msg } = await arrivals.next());
    assert.equal(id, 'caught');
    assert.equal(msg.error?.code, 'NOT_FOUND');
    assert.match(String(msg.filebridge?.rest?.url), /products\/a%2F\.\.%2Fping$/);
  });

  it('no secret in a message, a status, a log or an error: API key in the query, a wrong password refused as AUTHENTICATION', async () => {
    let arrivals = await load({ path: '/products', query: [{ name: 'limit', value: '2' }] }, { auth: 'apiKeyQuery' });
    const before = used.sim.stats().authModes.apiKeyQuery;
    helper.getNode('req').receive({} as never);
    let { id, msg } = await arrivals.next();
    assert.equal(id, 'out', JSON.stringify(msg.error));
    assert.equal(used.sim.stats().authModes.apiKeyQuery, before + 1, 'the key went in the query');
    assert.ok(!String(msg.filebridge?.rest?.url).includes(used.sim.apiKey));
    assertNoSecret(msg);
    await helper.unload();

    arrivals = await load({ path: '/products/{msg.sku}' }, { auth: 'apiKeyQuery' });
    helper.getNode('req').receive({ sku: 'nope' } as never);
    ({ id, msg } = await arrivals.next());
    assert.equal(id, 'caught');
    assert.equal(msg.error?.code, 'NOT_FOUND');
    assertNoSecret(msg);
    await helper.unload();

    await loadFlow(
      NODES,
      [
        { id: 'tab', type: 'tab', label: 'rest request' },
        connectionFields(used.sim, 'basic'),
        {
          id: 'req',
          z: 'tab',
          x: 100,
          y: 100,
          type: 'filebridge-rest-request',
          connection: 'conn',
          method: 'GET',
          path: '/ping',
          body: 'none',
          response: 'json',
          emit: 'one',
          wires: [['out']],
        },
        { id: 'out', z: 'tab', x: 200, y: 100, type: 'helper' },
        { id: 'catch', z: 'tab', x: 300, y: 100, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 400, y: 100, type: 'helper' },
      ],
      { conn: { password: 'not-the-password' } },
    );
    statuses = [];
    logged = [];
    onCall<{ text?: string }>('req', 'status', (call) => statuses.push(String(call.args[0]?.text ?? '')));
    arrivals = new Arrivals<Msg>(['out', 'caught']);
    helper.getNode('req').receive({} as never);
    ({ id, msg } = await arrivals.next());
    assert.equal(id, 'caught');
    assert.equal(msg.error?.code, 'AUTHENTICATION');
    assert.equal(msg.filebridge?.rest?.status, 401);
    assert.ok(!JSON.stringify(msg).includes('not-the-password'));
    assertNoSecret(msg);
  });

  it('the answer of the simulator is really what a direct call gets (the node adds nothing of its own)', async () => {
    const direct = await restCall(used.sim, 'GET', '/api/v1/products?offset=0&limit=5');
    const arrivals = await load({
      path: '/products',
      query: [
        { name: 'offset', value: '0' },
        { name: 'limit', value: '5' },
      ],
    });
    helper.getNode('req').receive({} as never);
    const { msg } = await arrivals.next();
    assert.deepEqual(msg.payload, direct.json);
  });
});
