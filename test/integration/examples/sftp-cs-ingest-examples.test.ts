import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import remoteNode from '../../../src/nodes/filebridge-remote';
import watchNode from '../../../src/nodes/filebridge-watch';
import validateNode from '../../../src/nodes/filebridge-validate';
import mapNode from '../../../src/nodes/filebridge-map-metadata';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import csUploadNode from '../../../src/nodes/filebridge-cs-upload';
import ackNode from '../../../src/nodes/filebridge-ack';
import quarantineNode from '../../../src/nodes/filebridge-quarantine';
import batchNode from '../../../src/nodes/filebridge-batch';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextStoresLoader, fileContextStorage } from '../../support/context-store';
import { simulatorAndNodeRed } from '../../support/simulator-flows';
import { servers } from '../../support/dev-servers';
import { nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow } from '../../support/flow-helper';
import { coreNodes, prepareExample, type PreparedExample } from '../../support/example-flows';

helper.init(nodeRedPath());

const NODES: unknown[] = [serverNode, remoteNode, watchNode, validateNode, mapNode, csConnectionNode, csUploadNode, ackNode, quarantineNode, batchNode];

type Audit = {
  outcome: string;
  source: { name: string; path: string };
  target?: { id: number; version: number; path: string; workspace?: { id: number } };
  sourceNowAt?: string;
  error?: { code?: string };
};
type Msg = Record<string, unknown> & { filebridge?: { audit?: Audit; put?: { path: string }; quarantine?: { path: string; reportPath: string } } };
type SimNode = {
  id: number;
  parent_id: number;
  name: string;
  description: string;
  versions: { sha256: string; file_size: number }[];
  categories: Record<string, Record<string, unknown>>;
};
type Records = {
  classifications: Record<string, { class_id: number }[]>;
  permissions: Record<string, { type: string; right_id: number | null; permissions: string[] }[]>;
};

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const pdf = (text: string): Buffer => Buffer.from(`%PDF-1.7\n${text}\n%%EOF\n`);
const today = (): { yyyy: string; MM: string; dd: string } => {
  const d = new Date();
  return { yyyy: String(d.getUTCFullYear()), MM: String(d.getUTCMonth() + 1).padStart(2, '0'), dd: String(d.getUTCDate()).padStart(2, '0') };
};

/** Waits for `count` messages at the given debug nodes of an example, failing on a timeout with what arrived. */
async function collect(example: PreparedExample, debugNames: string[], count: number, ms = 25_000): Promise<{ name: string; msg: Msg }[]> {
  const ids = debugNames.map((n) => example.byName('debug', n).id);
  const arrivals = new Arrivals<Msg>(ids);
  const got: { name: string; msg: Msg }[] = [];
  const deadline = Date.now() + ms;
  while (got.length < count) {
    const left = deadline - Date.now();
    const next = await Promise.race([arrivals.next(), new Promise<undefined>((r) => setTimeout(r, Math.max(0, left)))]);
    if (!next)
      throw new Error(
        `waited ${ms} ms for ${count} messages at ${debugNames.join(', ')}, got ${JSON.stringify(got.map((g) => [g.name, g.msg.filebridge?.audit?.source?.name, g.msg.filebridge?.audit?.error]))}`,
      );
    got.push({ name: debugNames[ids.indexOf(next.id)], msg: next.msg });
  }
  return got;
}

describe('SFTP/FTP -> Content Server ingestion examples (real servers, CS simulator)', function () {
  this.timeout(60_000);
  const { sim } = simulatorAndNodeRed();

  const node = async (id: number): Promise<SimNode> => {
    const res = await fetch(`${sim.url}/__sim/nodes/${id}`);
    assert.equal(res.status, 200, `simulator node ${id}`);
    return (await res.json()) as SimNode;
  };
  const records = async (): Promise<Records> => (await (await fetch(`${sim.url}/__sim/records`)).json()) as Records;
  const pathOf = async (id: number): Promise<string> => {
    const names: string[] = [];
    for (let n = await node(id); ; n = await node(n.parent_id)) {
      names.unshift(n.name);
      if (n.parent_id === 2000 || n.parent_id === -1) break;
    }
    return names.join('/');
  };

  async function load(relPath: string, extra: unknown[] = []): Promise<PreparedExample> {
    const example = prepareExample(relPath, { csApiBase: sim.apiBase });
    await loadFlow([...NODES, ...coreNodes(), ...extra], example.flow, example.credentials);
    return example;
  }

  it('sftp-cs-01: a contract is filed into the workspace of the customer in its name, classified, with category and permissions', async () => {
    const s = servers();
    await s.remove('sftp-cs-01');
    const contract = pdf('contract C-2026-017 for Initech');
    await s.writeFile('sftp-cs-01/inbox/KNA1_0000100010_contract_C-2026-017.pdf', contract);
    await s.writeFile('sftp-cs-01/inbox/KNA1_0000999999_contract_C-1.pdf', pdf('customer without a workspace'));
    await s.writeFile('sftp-cs-01/inbox/contract-initech.pdf', pdf('a name without customer'));
    const example = await load('sftp-cs-01 Partner files to business workspaces.json');

    const got = await collect(example, ['filed', 'quarantined'], 3);
    const filed = got.filter((g) => g.name === 'filed').map((g) => g.msg.filebridge?.audit as Audit);
    assert.equal(filed.length, 1, JSON.stringify(got.map((g) => g.msg.filebridge?.audit)));
    const doc = await node(filed[0].target?.id as number);
    assert.equal(await pathOf(doc.id), 'Customers/Initech (0000100010)/Contracts/Contract C-2026-017.pdf');
    assert.equal(filed[0].target?.workspace?.id, 2451);
    assert.equal(doc.versions[0].sha256, sha256(contract));
    assert.equal(doc.categories['9840']['9840_2'], 'C-2026-017');
    assert.deepEqual(doc.categories['9840']['9840_3'], ['KNA1 0000100010']);
    const r = await records();
    assert.deepEqual(
      r.classifications[String(doc.id)].map((c) => c.class_id),
      [2503],
    );
    assert.deepEqual(r.permissions[String(doc.id)].find((p) => p.type === 'custom' && p.right_id === 2003)?.permissions, ['see', 'see_contents', 'modify']);

    const { yyyy, MM, dd } = today();
    assert.equal(await s.exists(`sftp-cs-01/inbox/.filebridge/archive/${yyyy}/${MM}/${dd}/KNA1_0000100010_contract_C-2026-017.pdf`), true, 'source archived');
    assert.equal(await s.exists('sftp-cs-01/inbox/KNA1_0000100010_contract_C-2026-017.pdf'), false);

    // No workspace for that customer: nothing stored, the file and its report in the exception folder.
    const quarantined = got.filter((g) => g.name === 'quarantined').map((g) => g.msg.filebridge);
    const byName = new Map(quarantined.map((q) => [q?.audit?.source.name, q]));
    assert.equal(byName.get('KNA1_0000999999_contract_C-1.pdf')?.audit?.error?.code, 'NOT_FOUND');
    assert.equal(byName.get('contract-initech.pdf')?.audit?.outcome, 'quarantined');
    for (const q of quarantined) {
      const report = JSON.parse((await s.readFile(q?.quarantine?.reportPath as string)).toString()) as { file: string };
      assert.equal(report.file, q?.audit?.source.name);
      assert.equal(await s.exists(q?.quarantine?.path as string), true);
    }
  });

  it('sftp-cs-03: daily drops land in a records folder per day with their transfer history; a re-sent identical file adds no version', async () => {
    const s = servers();
    await s.remove('sftp-cs-03');
    const day1 = Buffer.from('shipment_id,carrier,weight\nS-1,DHL,12.5\nS-2,UPS,3\n');
    const day2 = Buffer.from('shipment_id,carrier,weight\nS-3,DHL,7\n');
    await s.writeFile('sftp-cs-03/inbox/SHIP_20261122_001.csv', day1);
    await s.writeFile('sftp-cs-03/inbox/SHIP_20261123_001.csv', day2);
    const example = await load('sftp-cs-03 Daily drops to records folders.json');

    const got = await collect(example, ['archived', 'quarantined'], 2);
    assert.deepEqual(
      got.map((g) => g.name),
      ['archived', 'archived'],
      JSON.stringify(got.map((g) => g.msg.filebridge?.audit)),
    );
    const audits = new Map(got.map((g) => [g.msg.filebridge?.audit?.source.name, g.msg.filebridge?.audit as Audit]));
    const { yyyy, MM, dd } = today();
    for (const [name, bytes, folder] of [
      ['SHIP_20261122_001.csv', day1, 'Records/Shipments/2026/11/22'],
      ['SHIP_20261123_001.csv', day2, 'Records/Shipments/2026/11/23'],
    ] as const) {
      const audit = audits.get(name) as Audit;
      const doc = await node(audit.target?.id as number);
      assert.equal(await pathOf(doc.id), `${folder}/${name}`);
      const history = doc.categories['9850'];
      assert.deepEqual(history, {
        '9850_2': s.sftp.host,
        '9850_3': audit.source.path,
        '9850_4': bytes.length,
        '9850_5': sha256(bytes),
        '9850_6': history['9850_6'],
        '9850_7': 'sftp',
      });
      assert.match(String(history['9850_6']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.match(audit.source.path, new RegExp(`sftp-cs-03/inbox/${name}$`));
      assert.deepEqual(
        (await records()).classifications[String(doc.id)].map((c) => c.class_id),
        [2511],
      );
      assert.equal((await s.readFile(`sftp-cs-03/inbox/archive/${yyyy}/${MM}/${dd}/${name}`)).toString(), bytes.toString());
    }

    // The carrier sends the first day again, unchanged: stored once, archived again.
    const firstId = audits.get('SHIP_20261122_001.csv')?.target?.id as number;
    await s.writeFile('sftp-cs-03/inbox/SHIP_20261122_001.csv', day1);
    helper.getNode(example.byName('filebridge-watch', 'daily drops').id).receive({});
    const [again] = await collect(example, ['archived', 'quarantined'], 1);
    assert.equal(again.msg.filebridge?.audit?.target?.id, firstId);
    assert.equal((await node(firstId)).versions.length, 1);
  });

  it('sftp-cs-05: compliance reports are filed by type and year and indexed with type and period; a re-export is a new version', async () => {
    const s = servers();
    await s.remove('sftp-cs-05');
    await s.writeFile('sftp-cs-05/export/QC_AUDIT_2026-10.pdf', pdf('audit October'));
    await s.writeFile('sftp-cs-05/export/QC_CAPA_2026-11.pdf', pdf('CAPA November'));
    await s.writeFile('sftp-cs-05/export/QC_AUDIT_October.pdf', pdf('period missing'));
    const example = await load('sftp-cs-05 Compliance reports indexed by type and period.json');

    const got = await collect(example, ['filed', 'quarantined'], 3);
    const audits = new Map(got.map((g) => [g.msg.filebridge?.audit?.source.name, g.msg.filebridge?.audit as Audit]));
    assert.equal(audits.get('QC_AUDIT_October.pdf')?.outcome, 'quarantined');
    const expected = [
      ['QC_AUDIT_2026-10.pdf', 'Compliance/AUDIT/2026', 'AUDIT', '2026-10', '2026-10-01'],
      ['QC_CAPA_2026-11.pdf', 'Compliance/CAPA/2026', 'CAPA', '2026-11', '2026-11-01'],
    ];
    for (const [name, folder, type, period, start] of expected) {
      const audit = audits.get(name) as Audit;
      assert.equal(audit.outcome, 'acked', JSON.stringify(audit));
      const doc = await node(audit.target?.id as number);
      assert.equal(await pathOf(doc.id), `${folder}/${name}`);
      const index = doc.categories['9860'];
      assert.equal(index['9860_2'], type);
      assert.equal(index['9860_3'], period);
      assert.match(String(index['9860_4']), new RegExp(`^${start}`));
      assert.equal(index['9860_5'], 'ERP QM');
      assert.deepEqual(
        (await records()).classifications[String(doc.id)].map((c) => c.class_id),
        [2513],
      );
    }
    const quarantined = got.find((g) => g.name === 'quarantined')?.msg.filebridge?.quarantine;
    assert.match(String(quarantined?.path), /^sftp-cs-05\/export\/\.filebridge\/failed\/.*_QC_AUDIT_October\.pdf$/);

    // A corrected re-export of October becomes version 2 of the same document.
    const corrected = pdf('audit October, corrected');
    await s.writeFile('sftp-cs-05/export/QC_AUDIT_2026-10.pdf', corrected);
    helper.getNode(example.byName('filebridge-watch', 'ERP exports').id).receive({});
    const [again] = await collect(example, ['filed', 'quarantined'], 1);
    const id = audits.get('QC_AUDIT_2026-10.pdf')?.target?.id as number;
    assert.equal(again.msg.filebridge?.audit?.target?.id, id);
    const versions = (await node(id)).versions;
    assert.equal(versions.length, 2);
    assert.equal(versions[1].sha256, sha256(corrected));
  });

  it('ftp-cs-07: partner forms are stored and each batch gets an acknowledgement file in the partner outbox listing its forms', async () => {
    const s = servers();
    await s.remove('ftp-cs-07');
    await s.writeFile('ftp-cs-07/inbox/FORM_B0042_001.pdf', pdf('form 1'));
    await s.writeFile('ftp-cs-07/inbox/FORM_B0042_002.pdf', pdf('form 2'));
    await s.writeFile('ftp-cs-07/inbox/FORM_B0042_003.pdf', 'a scan that is not a PDF');
    await s.writeFile('ftp-cs-07/inbox/FORM_B0043_001.pdf', pdf('form 1 of the next batch'));
    const example = await load('ftp-cs-07 Batch exchange with acknowledgement files.json');

    const sent = await collect(example, ['ack sent'], 2, 40_000);
    assert.deepEqual(sent.map((m) => m.msg.filebridge?.put?.path).sort(), ['ftp-cs-07/outbox/ACK_B0042.csv', 'ftp-cs-07/outbox/ACK_B0043.csv']);
    const ackRows = async (batch: string): Promise<Map<string, string[]>> => {
      const lines = (await s.readFile(`ftp-cs-07/outbox/ACK_${batch}.csv`)).toString().trim().split('\n');
      assert.equal(lines[0], 'file;status;document_id;version;detail');
      return new Map(lines.slice(1).map((l) => [l.split(';')[0], l.split(';')]));
    };
    const rows = await ackRows('B0042');
    assert.deepEqual([...rows.keys()].sort(), ['FORM_B0042_001.pdf', 'FORM_B0042_002.pdf', 'FORM_B0042_003.pdf']);
    for (const [name, content] of [
      ['FORM_B0042_001.pdf', 'form 1'],
      ['FORM_B0042_002.pdf', 'form 2'],
    ]) {
      const [, status, id, version, detail] = rows.get(name) as string[];
      assert.deepEqual([status, version, detail], ['ACCEPTED', '1', 'created']);
      const doc = await node(Number(id));
      assert.equal(await pathOf(doc.id), `Inbound/Partner forms/B0042/${name}`);
      assert.equal(doc.versions[0].sha256, sha256(pdf(content)));
    }
    const [, status, id, , detail] = rows.get('FORM_B0042_003.pdf') as string[];
    assert.deepEqual([status, id], ['REJECTED', '']);
    assert.ok(detail.length > 0, 'the rejection names a reason');

    const next = await ackRows('B0043');
    assert.deepEqual([...next.keys()], ['FORM_B0043_001.pdf']);
    assert.equal(await pathOf(Number(next.get('FORM_B0043_001.pdf')?.[2])), 'Inbound/Partner forms/B0043/FORM_B0043_001.pdf');

    const { yyyy, MM, dd } = today();
    assert.equal(await s.exists(`ftp-cs-07/inbox/.filebridge/archive/${yyyy}${MM}${dd}/FORM_B0042_001.pdf`), true);
    assert.equal(await s.exists('ftp-cs-07/inbox/FORM_B0042_003.pdf'), false, 'the rejected form left the inbox (quarantined)');
  });

  it('ftp-cs-07: a batch Node-RED stopped in the middle of is acknowledged whole after the restart (the file context store)', async function () {
    this.timeout(120_000);
    const s = servers();
    const dir = mkdtempSync(join(tmpdir(), 'ftp-cs-07-context-'));
    helper.settings({ contextStorage: fileContextStorage(dir) } as never);
    try {
      await s.remove('ftp-cs-07');
      await s.writeFile('ftp-cs-07/inbox/FORM_B0050_001.pdf', pdf('form 1 before the stop'));
      const file = 'ftp-cs-07 Batch exchange with acknowledgement files.json';
      await load(file, [contextStoresLoader()]);
      const { yyyy, MM, dd } = today();
      const archived = `ftp-cs-07/inbox/.filebridge/archive/${yyyy}${MM}${dd}/FORM_B0050_001.pdf`;
      for (let i = 0; i < 300 && !(await s.exists(archived)); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await s.exists(archived), true, 'form 1 was stored and archived before the stop');
      // Its acknowledgement row reaches the batch just after the archive; then Node-RED stops, well within the 10 s.
      await new Promise((r) => setTimeout(r, 1000));
      await helper.unload();
      await s.writeFile('ftp-cs-07/inbox/FORM_B0050_002.pdf', pdf('form 2 after the restart'));
      const example = await load(file, [contextStoresLoader()]);
      const sent = await collect(example, ['ack sent'], 1, 60_000);
      assert.equal(sent[0].msg.filebridge?.put?.path, 'ftp-cs-07/outbox/ACK_B0050.csv');
      const rows = (await s.readFile('ftp-cs-07/outbox/ACK_B0050.csv')).toString().trim().split('\n').slice(1);
      assert.deepEqual(
        rows.map((r) => r.split(';').slice(0, 2)),
        [
          ['FORM_B0050_001.pdf', 'ACCEPTED'],
          ['FORM_B0050_002.pdf', 'ACCEPTED'],
        ],
      );
    } finally {
      helper.settings({});
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
