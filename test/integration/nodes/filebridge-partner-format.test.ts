/*
 * filebridge-partner-format: a named record format that rest request nodes read and write. A
 * Windows-1252 CSV with ';', decimal comma and dd.MM.yyyy dates from vsftpd becomes typed records
 * posted to the REST simulator; a bad record is refused naming record and column before any request;
 * a broken format shows at deploy; API pages become a JSON array or JSON lines file on vsftpd.
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
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
import { Arrivals, loadFlow } from '../../support/flow-helper';
import { useRestSim } from '../../support/rest-sim';
import { restConnectionCredentials, restConnectionNode as connectionFields } from '../../support/rest-connection-node';

helper.init(nodeRedPath());

const NODES: unknown[] = [restConnectionNode, partnerFormatNode, restRequestNode, serverNode, remoteNode, coreNode('common/25-catch.js')];

type Msg = Record<string, unknown> & {
  payload?: unknown;
  error?: { code?: string; message: string; details?: Record<string, unknown> };
  filebridge?: { rest?: RestFacts };
};

const AVAILABILITY_FORMAT = {
  id: 'fmt',
  type: 'filebridge-partner-format',
  name: 'Lager Köln',
  kind: 'csv',
  delimiter: ';',
  quote: '"',
  header: true,
  encoding: 'windows-1252',
  decimalSeparator: ',',
  unknownColumns: 'drop',
  columns: [
    { field: 'sku', header: 'Artikel', type: 'string', format: '', required: true },
    { field: 'warehouse', header: 'Lager', type: 'string', format: '', required: true },
    { field: 'quantity', header: 'Menge', type: 'integer', format: '', required: true },
    { field: 'availableFrom', header: 'Verfügbar ab', type: 'date', format: 'dd.MM.yyyy', required: false },
  ],
};

describe('filebridge-partner-format with rest request', function () {
  this.timeout(60_000);
  const used = useRestSim();
  let seq = 0;

  afterEach(async () => {
    await helper.unload();
  });

  async function load(
    req: Record<string, unknown>,
    format: Record<string, unknown>,
    extra: Record<string, unknown>[] = [],
    wires = [['out']],
  ): Promise<Arrivals<Msg>> {
    await loadFlow(
      NODES,
      [
        { id: 'tab', type: 'tab', label: 'partner format' },
        connectionFields(used.sim, 'bearer'),
        serverConfigNode('ftp', { id: 'srv' }),
        format,
        {
          id: 'req',
          z: 'tab',
          x: 250,
          y: 150,
          type: 'filebridge-rest-request',
          connection: 'conn',
          method: 'POST',
          path: '/inventory/availability',
          body: 'records',
          format: 'fmt',
          batchSize: 2,
          response: 'json',
          output: 'payload',
          paging: 'none',
          emit: 'one',
          wires,
          ...req,
        },
        { id: 'out', z: 'tab', x: 100, y: 100, type: 'helper' },
        { id: 'catch', z: 'tab', x: 200, y: 100, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 300, y: 100, type: 'helper' },
        ...extra,
      ],
      { conn: restConnectionCredentials(used.sim, 'bearer'), srv: { password: servers().password } },
    );
    return new Arrivals<Msg>(['out', 'caught']);
  }

  function availability(prefix: string): Record<string, unknown>[] {
    return used.sim
      .state({ resource: 'availability', offset: 0, limit: 100000 })
      .availability.items.filter((r) => String((r as { sku?: unknown }).sku).startsWith(prefix)) as Record<string, unknown>[];
  }

  it('a Windows-1252 CSV from vsftpd (; and dd.MM.yyyy, an umlaut in a column name, an extra column dropped) is posted as typed records', async () => {
    const prefix = `PF${++seq}`;
    const dir = `partner-format-${seq}-${Date.now()}`;
    const csv = `Artikel;Lager;Menge;Verfügbar ab;Bemerkung\r\n${prefix}-1;Koeln;12;01.02.2026;x\r\n${prefix}-2;Duesseldorf;0;;y\r\n${prefix}-3;Koeln;7;15.12.2026;z\r\n`;
    await servers().writeFile(`${dir}/lager.csv`, Buffer.from(csv, 'latin1'));
    const get = {
      id: 'get',
      z: 'tab',
      x: 400,
      y: 100,
      type: 'filebridge-remote',
      server: 'srv',
      operation: 'get',
      path: `${dir}/lager.csv`,
      pathType: 'str',
      output: 'stream',
      wires: [['req']],
    };
    const arrivals = await load({}, AVAILABILITY_FORMAT, [get]);
    helper.getNode('get').receive({} as never);
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'out', JSON.stringify(msg.error));
    assert.equal(msg.filebridge?.rest?.records, 3);
    assert.equal(msg.filebridge?.rest?.batches, 2);
    const stored = availability(prefix).sort((a, b) => String(a.sku).localeCompare(String(b.sku)));
    assert.deepEqual(
      stored.map((r) => [r.sku, r.warehouse, r.quantity, r.availableFrom]),
      [
        [`${prefix}-1`, 'Koeln', 12, '2026-02-01'],
        [`${prefix}-2`, 'Duesseldorf', 0, undefined],
        [`${prefix}-3`, 'Koeln', 7, '2026-12-15'],
      ],
    );
    assert.ok(
      stored.every((r) => !('Bemerkung' in r)),
      'the unknown column was dropped',
    );
  });

  it('a record that does not fit its column fails the message with INVALID_INPUT naming record and column, before any request', async () => {
    const prefix = `PB${++seq}`;
    const csv = `Artikel;Lager;Menge\r\n${prefix}-1;Köln;12\r\n${prefix}-2;Köln;zwölf\r\n`;
    const arrivals = await load({ batchSize: 500 }, AVAILABILITY_FORMAT);
    const before = used.sim.stats().requests;
    helper.getNode('req').receive({ payload: Buffer.from(csv, 'latin1'), filename: 'lager.csv' } as never);
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'caught');
    assert.equal(msg.error?.code, 'INVALID_INPUT');
    assert.match(msg.error?.message ?? '', /record 2/i);
    assert.match(msg.error?.message ?? '', /Menge|quantity/);
    assert.equal(used.sim.stats().requests, before, 'nothing was sent');
    assert.deepEqual(availability(prefix), []);
  });

  it('a broken format (unknown column type) is reported at deploy; the rest request using it fails with INVALID_INPUT', async () => {
    const broken = { ...AVAILABILITY_FORMAT, columns: [{ field: 'sku', header: 'Artikel', type: 'money', format: '', required: true }] };
    const arrivals = await load({}, broken);
    const logged = JSON.stringify(helper.log().args);
    assert.match(logged, /Partner format Lager Köln is unusable/);
    helper.getNode('req').receive({ payload: 'Artikel\r\nA\r\n', filename: 'x.csv' } as never);
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'caught');
    assert.equal(msg.error?.code, 'INVALID_INPUT');
  });

  for (const kind of ['json', 'jsonl'] as const) {
    it(`Send one file as ${kind}: every price of every page, written to vsftpd`, async () => {
      const count = used.sim.state().counts.prices;
      const dir = `partner-out-${++seq}-${Date.now()}`;
      const put = {
        id: 'put',
        z: 'tab',
        x: 500,
        y: 100,
        type: 'filebridge-remote',
        server: 'srv',
        operation: 'put',
        path: `${dir}/prices.${kind}`,
        pathType: 'str',
        wires: [['out']],
      };
      const format = { id: 'fmt', type: 'filebridge-partner-format', name: 'prices', kind, encoding: 'utf8', columns: [] };
      const arrivals = await load({ method: 'GET', path: '/prices', body: 'none', paging: 'linkHeader', pageSize: 40, emit: 'file' }, format, [put], [['put']]);
      helper.getNode('req').receive({} as never);
      const { id, msg } = await arrivals.next();
      assert.equal(id, 'out', JSON.stringify(msg.error));
      const text = await readFile(servers().localPath(`${dir}/prices.${kind}`), 'utf8');
      const records =
        kind === 'json'
          ? (JSON.parse(text) as unknown[])
          : text
              .trimEnd()
              .split('\n')
              .map((l) => JSON.parse(l) as unknown);
      assert.equal(records.length, count);
      assert.ok(records.every((r) => typeof (r as { sku?: unknown }).sku === 'string'));
    });
  }
});
