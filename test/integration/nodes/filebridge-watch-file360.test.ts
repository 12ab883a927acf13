/*
 * filebridge-watch, ack and quarantine on a File 360 folder (the File 360 simulator), through a
 * filebridge-server with protocol "file360". The File 360 API has no rename, so the watch takes
 * documents in place (the ledger remembers what was sent): a watch set to move files is refused at
 * deploy. New and moved-in documents are emitted once; an unchanged one never again, also across a
 * full redeploy; ack delete / archive act on the document in File 360; quarantine leaves the
 * document and writes its report into a File 360 exceptions folder.
 */
import { strict as assert } from 'node:assert';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import watchNode from '../../../src/nodes/filebridge-watch';
import ackNode from '../../../src/nodes/filebridge-ack';
import quarantineNode from '../../../src/nodes/filebridge-quarantine';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { loadFlow, onCall, startTestServer, stopTestServer } from '../../support/flow-helper';
import { pipelineSink, sinkControl } from '../../support/pipeline-sink';
import { Outcomes, sha, sleep, waitFor } from '../../support/watch-pipeline';
import { call, f360ServerCredentials, f360ServerNode, useFile360Sim, type UsedFile360Sim } from '../../support/file360-sim';

helper.init(nodeRedPath());

const NODES: unknown[] = [serverNode, watchNode, ackNode, quarantineNode, pipelineSink, coreNode('common/25-catch.js')];

function f360Server(used: UsedFile360Sim): Record<string, unknown> {
  return f360ServerNode(used.sim, { poolSize: 3 });
}

function creds(used: UsedFile360Sim): Record<string, Record<string, string>> {
  return { srv: f360ServerCredentials(used.sim) };
}

/** watch (in place) -> test-sink -> ack -> acked, and Catch(sink, ack) -> quarantine -> quarantined. */
function flow(
  used: UsedFile360Sim,
  folder: string,
  o: { watch?: Record<string, unknown>; ack?: Record<string, unknown>; quarantine?: Record<string, unknown> } = {},
) {
  return [
    { id: 'tab', type: 'tab', label: 'f360' },
    f360Server(used),
    {
      id: 'watch',
      z: 'tab',
      type: 'filebridge-watch',
      server: 'srv',
      folder,
      intervalSeconds: 0.25,
      stability: 'stable',
      stableSeconds: 0.5,
      output: 'stream',
      sha256: true,
      ledger: true,
      take: 'inPlace',
      maxInFlight: 20,
      maxPerPoll: 100,
      wires: [['sink']],
      ...o.watch,
    },
    { id: 'sink', z: 'tab', x: 300, y: 100, type: 'test-sink', wires: [['ack']] },
    { id: 'ack', z: 'tab', x: 500, y: 100, type: 'filebridge-ack', action: 'leave', archiveTemplate: '', wires: [['acked']], ...o.ack },
    { id: 'acked', z: 'tab', x: 700, y: 100, type: 'helper' },
    { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: ['sink', 'ack'], uncaught: false, wires: [['quarantine']] },
    { id: 'quarantine', z: 'tab', x: 300, y: 200, type: 'filebridge-quarantine', folder: '', wires: [['quarantined']], ...o.quarantine },
    { id: 'quarantined', z: 'tab', x: 500, y: 200, type: 'helper' },
  ];
}

describe('filebridge-watch / ack / quarantine on a File 360 folder (File 360 simulator)', function () {
  this.timeout(90_000);
  const used = useFile360Sim();
  let n = 0;
  let folder = '';

  beforeEach(async () => {
    sinkControl.reset();
    await startTestServer();
    folder = `/Watch-${++n}-${Date.now()}`;
    const made = await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: folder.slice(1), parentId: used.sim.rootId } });
    assert.equal(made.status, 201, made.text);
  });
  afterEach(async () => {
    sinkControl.releaseHeld();
    await helper.unload();
    await stopTestServer();
  });

  async function load(f: Record<string, unknown>[]): Promise<Outcomes> {
    await loadFlow(NODES, f, creds(used));
    return new Outcomes();
  }

  it('"Take files: move" on a File 360 server is refused at deploy with INVALID_INPUT saying to leave files in place; nothing is touched', async () => {
    const doc = await used.sim.putFile(folder, 'a.txt', 'a');
    const statuses: { fill?: string; text?: string }[] = [];
    await load(flow(used, folder, { watch: { take: 'move' } }));
    onCall<{ fill?: string; text?: string }>('watch', 'status', (c) => statuses.push(c.args[0]));
    await sleep(1200);
    assert.equal(sinkControl.records.length, 0, 'nothing taken');
    assert.equal(used.sim.documentAt(`${folder}/a.txt`)?.id, doc.id, 'the document is untouched');
    assert.deepEqual(
      used.sim.state().folders.filter((f) => f.path.startsWith(`${folder}/`)),
      [],
      'no claim folder made',
    );
    const logged = helper
      .log()
      .args.map((a: unknown[]) => a[0] as { level?: number; msg?: unknown; id?: string })
      .filter((e) => e?.id === 'watch' && e.level === 20)
      .map((e) => String(e.msg))
      .join('\n');
    assert.match(logged, /File 360 server must leave files in place/);
    assert.match(logged, /"Take files" to "leave in place"/);
    assert.deepEqual(statuses, [{ fill: 'red', shape: 'ring', text: 'INVALID_INPUT' }], 'refused: it never polls');
  });

  it('new and moved-in documents are emitted once each, with their ids and bytes; an unchanged one never again across a full redeploy; a changed one again', async () => {
    const a = await used.sim.putFile(folder, 'a.csv', 'a,1\n');
    await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: `${folder.slice(1)}-elsewhere`, parentId: used.sim.rootId } });
    const elsewhere = await used.sim.putFile(`${folder}-elsewhere`, 'moved.csv', 'moved,2\n');
    const f = flow(used, folder);
    let out = await load(f);
    await waitFor('a.csv acked', () => out.acked.length === 1);
    const src = out.acked[0].filebridge!.source!;
    assert.equal(src.name, 'a.csv');
    assert.equal(src.protocol, 'file360');
    assert.equal(src.inPlace, true);
    assert.equal(src.id, a.id, 'the document id, as a string');
    assert.equal(typeof src.id, 'string');
    assert.equal(sinkControl.records[0].sha256, sha(Buffer.from('a,1\n')));
    // Someone moves a document in from another folder: it is new here.
    const moved = await call(used.sim, 'PUT', `/api/v1/documents/${elsewhere.id}`, { token: used.token, json: { parentId: used.sim.folderAt(folder)!.id } });
    assert.ok(moved.status < 300, moved.text);
    await waitFor('moved.csv acked', () => out.acked.length === 2);
    assert.equal(out.acked[1].filename, 'moved.csv');
    assert.equal(out.acked[1].filebridge!.source!.id, elsewhere.id);
    // A new one dropped by a person.
    await used.sim.putFile(folder, 'b.csv', 'b,3\n');
    await waitFor('b.csv acked', () => out.acked.length === 3);
    await sleep(1200);
    assert.equal(sinkControl.records.length, 3, 'each once');

    // A full redeploy (every node restarted, the ledger kept in global context): nothing again.
    await helper.setFlows(f as never, 'full', creds(used) as never);
    out = new Outcomes();
    await sleep(2000);
    assert.equal(sinkControl.records.length, 3, `unchanged documents are not sent again: ${JSON.stringify(sinkControl.records.slice(3))}`);
    // A changed document (new bytes, same id) is sent again, once.
    await sleep(1100);
    await used.sim.putFile(folder, 'a.csv', 'a,1\na,2\n');
    assert.equal(used.sim.documentAt(`${folder}/a.csv`)?.id, a.id, 'overwritten in place');
    await waitFor('the changed a.csv acked', () => out.acked.length === 1);
    assert.equal(sinkControl.records[3].sha256, sha(Buffer.from('a,1\na,2\n')));
    await sleep(1200);
    assert.equal(sinkControl.records.length, 4);
    // Everything is still where it was: a watch in place changes nothing in File 360.
    assert.deepEqual(
      used.sim
        .state()
        .documents.filter((d) => d.path.startsWith(`${folder}/`))
        .map((d) => d.name)
        .sort(),
      ['a.csv', 'b.csv', 'moved.csv'],
    );
  });

  it('ack delete sends the document to the File 360 trash; ack archive moves it (same id, same name) below .filebridge/archive', async () => {
    const del = await used.sim.putFile(folder, 'del.txt', 'delete me');
    let out = await load(flow(used, folder, { ack: { action: 'delete' } }));
    await waitFor('del.txt acked', () => out.acked.length === 1);
    assert.equal(used.sim.documentAt(`${folder}/del.txt`), undefined);
    assert.ok(used.sim.state().trash.some((t) => t.id === del.id));
    assert.equal(out.quarantined.length, 0);
    await helper.unload();

    const arc = await used.sim.putFile(folder, 'keep.pdf', 'archive me');
    out = await load(flow(used, folder, { ack: { action: 'archive' } }));
    await waitFor('keep.pdf acked', () => out.acked.length === 1);
    const now = used.sim.state().documents.find((d) => d.id === arc.id);
    assert.match(now?.path ?? '', new RegExp(`^${folder}/\\.filebridge/archive/\\d{4}/\\d{2}/\\d{2}/keep\\.pdf$`));
    assert.equal(out.acked[0].filebridge!.audit!.sourceNowAt, now!.path);
    assert.equal(used.sim.documentAt(`${folder}/keep.pdf`), undefined);
    await sleep(1000);
    assert.equal(sinkControl.records.length, 2, 'the archived document is not taken again (.filebridge is not watched)');
  });

  it('quarantine leaves the document in place and writes its report into a File 360 exceptions folder; a reset sends it again', async () => {
    const bad = await used.sim.putFile(folder, 'bad.csv', 'bad');
    await used.sim.putFile(folder, 'good.csv', 'good');
    sinkControl.failPattern = /^bad/;
    const exceptions = `/Exceptions/${folder.slice(1)}`;
    const out = await load(flow(used, folder, { quarantine: { folder: exceptions } }));
    await waitFor('one acked, one quarantined', () => out.acked.length === 1 && out.quarantined.length === 1);
    const q = out.quarantined[0].filebridge!.quarantine!;
    assert.equal(q.path, `${folder}/bad.csv`);
    assert.equal(q.report.leftInPlace, true);
    assert.match(q.reportPath, new RegExp(`^${exceptions}/[^/]+_bad\\.csv\\.error\\.json$`));
    const report = used.sim.documentAt(q.reportPath);
    assert.ok(report, 'the report is a document in File 360');
    assert.equal(used.sim.documentAt(`${folder}/bad.csv`)?.id, bad.id, 'the document stays');
    const reportRes = await call(used.sim, 'GET', `/api/v1/documents/${report.id}/content`, { token: used.token });
    const parsed = JSON.parse(reportRes.text) as { error?: { code?: string }; source?: { name?: string } };
    assert.equal(parsed.source?.name, 'bad.csv');
    assert.match(reportRes.text, /CS_REJECTED/);
    assert.doesNotMatch(reportRes.text, new RegExp(`${used.sim.clientSecret}|${used.sim.password}`));
    await sleep(1200);
    assert.equal(sinkControl.records.length, 2, 'neither sent again while unchanged');
    sinkControl.failPattern = undefined;
    helper.getNode('watch').receive({ reset: 'failed' } as never);
    await waitFor('bad.csv acked after the reset', () => out.acked.length === 2);
    assert.equal(out.acked[1].filename, 'bad.csv');
  });
});
