/**
 * The Dropbox <-> Content Server examples dbx-cs-02, -05, -06 and -08, loaded as users import them and
 * changed only where a user changes them (the Dropbox server configuration pointed at the Dropbox
 * simulator with its app key and refresh token, the Content Server connection at the CS simulator),
 * run end to end (test/support/dropbox-example-flows.ts prepares them) and checked through both simulators' inspection: files, ids, revs and content hashes
 * in Dropbox; documents, versions and holds in Content Server.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import ackNode from '../../../src/nodes/filebridge-ack';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import csExportNode from '../../../src/nodes/filebridge-cs-export';
import csUploadNode from '../../../src/nodes/filebridge-cs-upload';
import mapMetadataNode from '../../../src/nodes/filebridge-map-metadata';
import quarantineNode from '../../../src/nodes/filebridge-quarantine';
import remoteNode from '../../../src/nodes/filebridge-remote';
import serverNode from '../../../src/nodes/filebridge-server';
import watchNode from '../../../src/nodes/filebridge-watch';
import { startDropboxSim, type DropboxSim, type DropboxSimFile } from '../../../dev/sim/dropbox';
import { contentHashOf } from '../../../src/core/dropbox/content-hash';
import { contextStoresLoader, fileContextStorage } from '../../support/context-store';
import { coreNodes, type PreparedExample } from '../../support/example-flows';
import { prepareDropboxExample } from '../../support/dropbox-example-flows';
import { loadFlow } from '../../support/flow-helper';
import { nodeRedPath } from '../../support/node-red-under-test';
import { REPO_ROOT } from '../../support/runtimes';
import { simulatorAndNodeRed } from '../../support/simulator-flows';

helper.init(nodeRedPath());

const NODES: unknown[] = [
  serverNode,
  csConnectionNode,
  csExportNode,
  remoteNode,
  watchNode,
  mapMetadataNode,
  csUploadNode,
  ackNode,
  quarantineNode,
  ...coreNodes(),
];

type SimVersion = { version_number: number; sha256: string; file_name: string; description: string };
type SimNode = { id: number; parent_id: number; name: string; versions: SimVersion[] };
type Msg = Record<string, unknown> & { filebridge?: Record<string, Record<string, unknown>>; error?: { code?: string; message?: string } };

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const pdf = (text: string): Buffer => Buffer.from(`%PDF-1.7\n${text}\n%%EOF\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a value (not undefined), or fails naming what was awaited. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await check();
    if (got !== undefined) return got;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Every message reaching a node of the example (a debug node, usually), from now on. */
function messagesAt(example: PreparedExample, type: string, name: string): Msg[] {
  const got: Msg[] = [];
  helper.getNode(example.byName(type, name).id).on('input', (m: Msg) => got.push(m));
  return got;
}

/** Fires an inject node of the example now instead of waiting for its schedule. */
function fire(example: PreparedExample, injectName: string): void {
  helper.getNode(example.byName('inject', injectName).id).receive({});
}

describe('Dropbox <-> Content Server example flows dbx-cs-02/05/06/08 (Dropbox and CS simulators)', function () {
  this.timeout(90_000);
  const { sim, client } = simulatorAndNodeRed({ perTest: true });
  let dbx: DropboxSim;
  beforeEach(async () => {
    dbx = await startDropboxSim({ port: 0 });
  });
  afterEach(async () => {
    await dbx.stop();
  });

  async function simNode(id: number): Promise<SimNode> {
    const res = await fetch(`${sim.url}/__sim/nodes/${id}`);
    assert.equal(res.status, 200, `CS node ${id}`);
    return (await res.json()) as SimNode;
  }

  async function load(relPath: string, extra: unknown[] = []): Promise<PreparedExample> {
    // As shipped, the example talks to Dropbox itself (no service URL) and holds no sign-in.
    const asShipped = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', relPath), 'utf8')) as Record<string, unknown>[];
    for (const server of asShipped.filter((n) => n.type === 'filebridge-server')) {
      assert.deepEqual([server.protocol, server.serviceUrl, server.credentials], ['dropbox', '', undefined], `${relPath}: server ${String(server.id)}`);
    }
    const example = prepareDropboxExample(relPath, { dropbox: dbx, csApiBase: sim.apiBase });
    await loadFlow([...NODES, ...extra], example.flow, example.credentials);
    return example;
  }

  /** The Dropbox files below a folder (case-insensitive), by lower-case path. */
  function dropboxFiles(folder: string, root: 'home' | 'team' = 'home'): Map<string, DropboxSimFile> {
    const ns = dbx.state().namespaces.find((n) => (root === 'team' ? n.kind === 'team_root' : n.kind === 'home'));
    assert.ok(ns, `no ${root} namespace`);
    const below = `${folder.toLowerCase()}/`;
    return new Map(ns.entries.filter((e) => e['.tag'] === 'file' && e.path_lower.startsWith(below)).map((e) => [e.path_lower, e]));
  }

  it('dbx-cs-02 Publish CS documents to a Dropbox shared folder.json', async () => {
    const release = 'Enterprise:Partners/ACME/Dropbox release';
    const spec = pdf('ACME terminal spec, version 1');
    const first = await client.upload({ target: release, createFolders: true, name: 'Terminal spec.pdf', open: () => Readable.from([spec]) });
    const drawings: { id: number; name: string; bytes: Buffer }[] = [];
    for (let i = 1; i <= 24; i++) {
      const name = `Drawing ${String(i).padStart(2, '0')}.pdf`;
      const bytes = pdf(`drawing ${i}`);
      const doc = await client.upload({ target: `${release}/Drawings`, createFolders: true, name, open: () => Readable.from([bytes]) });
      drawings.push({ id: doc.id, name, bytes });
    }
    await client.upload({ target: 'Enterprise:Partners/ACME', name: 'Internal margin calculation.pdf', open: () => Readable.from([pdf('not for ACME')]) });
    // Many single commits into one account: the simulator makes concurrent commits contend, as Dropbox does.
    dbx.setFaults({ contendSingleCommits: true });

    const example = await load('dbx-cs-02 Publish CS documents to a Dropbox shared folder.json');
    const errors = messagesAt(example, 'debug', 'error code and text');
    const published = messagesAt(example, 'debug', 'published');
    fire(example, 'Publish now');
    await waitFor('25 documents published', () => (published.length >= 25 ? true : undefined), 60_000);
    assert.deepEqual(errors, [], 'no failure reached the Catch');

    const files = dropboxFiles('/Clients/ACME/From us');
    assert.equal(files.size, 25, [...files.keys()].join(', '));
    const specFile = files.get('/clients/acme/from us/terminal spec.pdf');
    assert.ok(specFile, 'the spec is in the shared folder');
    assert.equal(specFile.path_display, '/Clients/ACME/From us/Terminal spec.pdf');
    assert.equal(specFile.content_hash, contentHashOf(spec));
    for (const d of drawings) {
      const f = files.get(`/clients/acme/from us/drawings/${d.name.toLowerCase()}`);
      assert.ok(f, `${d.name} published into its sub-folder`);
      assert.equal(f.content_hash, contentHashOf(d.bytes));
    }
    assert.equal(
      [...files.keys()].some((p) => p.includes('internal margin')),
      false,
      'a document outside the release folder is not published',
    );
    assert.equal(
      [...dropboxFiles('/Clients/ACME').keys()].some((p) => p.endsWith('.part')),
      false,
      'no temporary files are left',
    );

    // Re-publishing replaces: a new version in CS overwrites the Dropbox copy in place (same id, new rev).
    const v2 = pdf('ACME terminal spec, version 2 with the crane loads');
    await client.addVersion({ document: first.id, name: 'Terminal spec.pdf', open: () => Readable.from([v2]) });
    const before = published.length;
    fire(example, 'Publish now');
    await waitFor('version 2 published', () => (published.length > before ? true : undefined));
    const replaced = dbx.entry('/Clients/ACME/From us/Terminal spec.pdf');
    assert.ok(replaced);
    assert.equal(replaced.id, specFile.id, 'the Dropbox file keeps its id (shared links and comments stay)');
    assert.notEqual(replaced.rev, specFile.rev, 'a new revision');
    assert.equal(replaced.content_hash, contentHashOf(v2));
    assert.equal(published.length, before + 1, 'only the new version went out');
    assert.equal(dropboxFiles('/Clients/ACME/From us').size, 25, 'replaced, not added beside');

    // A run with nothing new writes nothing.
    const uploads = dbx.stats().byRoute['files/upload'] ?? 0;
    fire(example, 'Publish now');
    await sleep(1500);
    assert.equal(published.length, before + 1);
    assert.equal(dbx.stats().byRoute['files/upload'] ?? 0, uploads);
    assert.deepEqual(errors, []);
  });

  it('dbx-cs-05 Version sync between CS and Dropbox.json', async () => {
    const folder = 'Enterprise:Partners/Globex/Dropbox sync';
    const v1 = pdf('Spec X100, version 1 approved in CS');
    const doc = await client.upload({ target: folder, createFolders: true, name: 'Spec X100.pdf', open: () => Readable.from([v1]) });
    const dropboxName = `Spec X100 (CS-${doc.id}).pdf`;
    const dropboxPath = `/Clients/Globex/Specifications/${dropboxName}`;
    const movesAtStart = dbx.stats().byRoute['files/move_v2'] ?? 0;

    const example = await load('dbx-cs-05 Version sync between CS and Dropbox.json');
    const audit = messagesAt(example, 'debug', 'Audit trail');
    const pushed = messagesAt(example, 'debug', 'pushed to Dropbox');
    const exportErrors = messagesAt(example, 'debug', 'Export error');
    const versions = async (): Promise<SimVersion[]> => (await simNode(doc.id)).versions;
    const auditOf = (n: number): Promise<Msg> => waitFor(`audit record ${n}`, () => audit[n - 1]);
    const csAction = (m: Msg): unknown => m.filebridge?.cs?.action;

    // 1. CS -> Dropbox: version 1 goes out under a name carrying the document id.
    fire(example, 'every 10 s: approved versions');
    const out1 = await waitFor('version 1 in Dropbox', () => dbx.entry(dropboxPath));
    assert.equal(out1.content_hash, contentHashOf(v1));
    // ... and is not copied back: the watch takes the new Dropbox file, but CS has those bytes already.
    assert.equal(csAction(await auditOf(1)), 'skipped');
    assert.deepEqual(
      (await versions()).map((v) => v.version_number),
      [1],
    );

    // 2. Dropbox -> CS: Globex edits the file in Dropbox; it becomes version 2 of the same document.
    const edit = pdf('Spec X100, Globex marked up the tolerances in Dropbox');
    await dbx.putFile(dropboxPath, edit, { mode: 'overwrite' });
    assert.equal(csAction(await auditOf(2)), 'versioned');
    const afterEdit = await versions();
    assert.deepEqual(
      afterEdit.map((v) => v.version_number),
      [1, 2],
    );
    assert.equal(afterEdit[1].sha256, sha256(edit), 'version 2 holds the bytes edited in Dropbox');
    assert.equal(afterEdit[1].description.split('\n')[0], `Edited in Dropbox as ${dropboxName}`);
    // ... and is not copied back: the export sends version 2, Dropbox already holds it and keeps the file as it is.
    const edited = dbx.entry(dropboxPath);
    assert.ok(edited);
    const pushedBefore = pushed.length;
    fire(example, 'every 10 s: approved versions');
    await waitFor('the export run that sends version 2', () => (pushed.length > pushedBefore ? true : undefined));
    const kept = dbx.entry(dropboxPath);
    assert.equal(kept?.rev, edited.rev, 'the Dropbox file was not changed by its own version coming back');
    assert.equal(kept?.id, edited.id);
    assert.equal(kept?.content_hash, contentHashOf(edit));

    // 3. CS -> Dropbox again: a new version approved in CS replaces the Dropbox copy in place ...
    const v3 = pdf('Spec X100, version 3 approved in CS');
    await client.addVersion({ document: doc.id, name: 'Spec X100.pdf', open: () => Readable.from([v3]) });
    fire(example, 'every 10 s: approved versions');
    const out3 = await waitFor('version 3 in Dropbox', () => {
      const e = dbx.entry(dropboxPath);
      return e?.content_hash === contentHashOf(v3) ? e : undefined;
    });
    assert.equal(out3.id, out1.id, 'the same Dropbox file, a new revision');
    // ... and does not come back as version 4.
    assert.equal(csAction(await auditOf(3)), 'skipped');

    // Nothing moves any more, whichever side polls.
    fire(example, 'every 10 s: approved versions');
    await sleep(3000);
    assert.equal(audit.length, 3, 'no further Dropbox file was taken');
    assert.deepEqual(
      (await versions()).map((v) => [v.version_number, v.sha256]),
      [
        [1, sha256(v1)],
        [2, sha256(edit)],
        [3, sha256(v3)],
      ],
    );
    assert.equal(dbx.entry(dropboxPath)?.content_hash, contentHashOf(v3));
    assert.deepEqual(exportErrors, []);

    // A Dropbox file that names no document is quarantined with a report, nothing stored in CS. The
    // watch takes files in place, so the file stays in the shared folder (before: moved to .filebridge/failed).
    const notes = await dbx.putFile('/Clients/Globex/Specifications/Notes from Globex.pdf', pdf('no id in this name'));
    const report = await waitFor('the report of the file without an id', () =>
      [...dropboxFiles('/Clients/Globex/Specifications/.filebridge/failed').keys()].find((p) => p.endsWith('notes from globex.pdf.error.json')),
    );
    assert.ok(report);
    assert.equal(dbx.entry('/Clients/Globex/Specifications/Notes from Globex.pdf')?.rev, notes.rev, 'the file stays in the shared folder, untouched');
    assert.equal((await versions()).length, 3);
    assert.equal((dbx.stats().byRoute['files/move_v2'] ?? 0) - movesAtStart, 0, 'nothing in the shared folder was ever moved');
  });

  it('dbx-cs-06 Project closeout into CS with a records hold.json', async () => {
    const project: Record<string, Buffer> = {
      'Contract/Main contract.pdf': pdf('Harbor Terminal main contract'),
      'Drawings/Deck.pdf': pdf('deck drawing'),
      'Drawings/Piles/Pile plan.pdf': pdf('pile plan'),
      'Übergabeprotokoll.pdf': pdf('handover protocol'),
    };
    await dbx.putFile('/Projects live/Other project/Keep.pdf', pdf('a project still running'));
    const example = await load('dbx-cs-06 Project closeout into CS with a records hold.json');
    const audit = messagesAt(example, 'debug', 'Audit trail');
    const quarantined = messagesAt(example, 'debug', 'Quarantine notice');
    // The team moves the finished project's folder into /Closeout.
    for (const [rel, bytes] of Object.entries(project)) await dbx.putFile(`/Closeout/Harbor Terminal/${rel}`, bytes);

    await waitFor('every file of the tree archived', () => (audit.length + quarantined.length >= 4 ? true : undefined), 45_000);
    assert.deepEqual(
      quarantined.map((q) => q.payload),
      [],
      'nothing was refused (hold calls of files in flight together are sent one at a time)',
    );
    const projectFolder = await client.resolveFolder('Enterprise:Archive/Closed projects/Harbor Terminal');
    type TreeNode = { id: number; name: string; versions?: number; sha256?: string; children?: TreeNode[] };
    const tree = (await (await fetch(`${sim.url}/__sim/tree?root=${projectFolder}`)).json()) as TreeNode;
    const docs = new Map<string, TreeNode>();
    const walk = (n: TreeNode, path: string): void => {
      for (const c of n.children ?? []) {
        const p = path ? `${path}/${c.name}` : c.name;
        if (c.versions) docs.set(p, c);
        else walk(c, p);
      }
    };
    walk(tree, '');
    assert.deepEqual([...docs.keys()].sort(), Object.keys(project).sort(), 'the tree is recreated under one project folder');
    const records = (await (await fetch(`${sim.url}/__sim/records`)).json()) as { holds: Record<string, number[]> };
    for (const [rel, bytes] of Object.entries(project)) {
      const d = docs.get(rel)!;
      assert.equal(d.sha256, sha256(bytes), `${rel} holds the Dropbox bytes`);
      assert.equal(d.versions, 1);
      assert.deepEqual(records.holds[String(d.id)], [1], `${rel} is under the records hold (Litigation ACME 2026)`);
    }

    // Out of the live tree: nothing left under the project folder but empty folders; the files are in the Dropbox archive.
    assert.deepEqual([...dropboxFiles('/Closeout/Harbor Terminal').keys()], []);
    const archived = [...dropboxFiles('/Closeout/.filebridge/archive').keys()];
    assert.equal(archived.length, 4, archived.join(', '));
    assert.ok(dbx.entry('/Projects live/Other project/Keep.pdf'), 'a running project is not touched');
  });

  it('dbx-cs-08 Scheduled backup of Dropbox team folders.json', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'dbx-cs-08-context-'));
    helper.settings({ contextStorage: fileContextStorage(dir) } as never);
    try {
      const file = 'dbx-cs-08 Scheduled backup of Dropbox team folders.json';
      const teamBytes = (path: string): Buffer => readFileSync(dbx.contentFile(path, 'team')!);
      await dbx.putFile('/Finance/Reports/Q3 2026.csv', 'quarter;revenue\nQ3;1200\n', { root: 'team' });
      const moves = (): number => dbx.stats().byRoute['files/move_v2'] ?? 0;
      const movesAtStart = moves();
      const revs = (): Map<string, string | undefined> =>
        new Map(
          ['/Finance/Invoices/INV-2026-001.txt', '/Finance/Reports/Q3 2026.csv', '/Legal/Contracts/NDA ACME.txt'].map((p) => [p, dbx.entry(p, 'team')?.rev]),
        );
      const revsAtStart = revs();
      const backupRoot = 'Enterprise:Archive/Dropbox team backup';
      const backedUp = async (rel: string): Promise<SimNode> => {
        const folder = await client.resolveFolder(`${backupRoot}/${rel.slice(0, rel.lastIndexOf('/'))}`);
        const res = await fetch(`${sim.url}/__sim/tree?root=${folder}`);
        const tree = (await res.json()) as { children?: { id: number; name: string }[] };
        const hit = tree.children?.find((c) => c.name === rel.slice(rel.lastIndexOf('/') + 1));
        assert.ok(hit, `${rel} is in the backup`);
        return simNode(hit.id);
      };

      // First run: every file of the two selected team folders, nothing of the others.
      let example = await load(file, [contextStoresLoader()]);
      let audit = messagesAt(example, 'debug', 'Backed up');
      fire(example, 'Back up now');
      await waitFor('the first backup', () => (audit.length >= 3 ? true : undefined));
      await sleep(1500);
      const first = audit.map((m) => m.filebridge?.source?.path).sort();
      assert.deepEqual(first, ['/Finance/Invoices/INV-2026-001.txt', '/Finance/Reports/Q3 2026.csv', '/Legal/Contracts/NDA ACME.txt']);
      for (const path of first as string[]) {
        const node = await backedUp(path.slice(1));
        assert.equal(node.versions.length, 1);
        assert.equal(node.versions[0].sha256, sha256(teamBytes(path)), `${path} backed up byte for byte`);
        assert.ok(dbx.entry(path, 'team'), `${path} is left in the team folder`);
      }
      const root = (await (await fetch(`${sim.url}/__sim/tree?root=${await client.resolveFolder(backupRoot)}`)).json()) as { children: { name: string }[] };
      assert.deepEqual(
        root.children.map((c) => c.name),
        ['Finance', 'Legal'],
        'a team folder not selected (/Projects) is not backed up',
      );
      const invoice = dbx.entry('/Finance/Invoices/INV-2026-001.txt', 'team');
      // Taken in place: not one move, and every file keeps its revision (nothing was written back).
      assert.equal(moves() - movesAtStart, 0, 'no move_v2: the team folders are only read');
      assert.deepEqual(revs(), revsAtStart, 'every backed-up file has the revision it had');
      assert.equal(dbx.entry('/Finance/.filebridge', 'team'), undefined, 'no claim folder in the team folder');

      // Node-RED stops; meanwhile one file changes and one is added.
      await helper.unload();
      const changed = Buffer.from('NDA ACME, amended 2026-12-01');
      await dbx.putFile('/Legal/Contracts/NDA ACME.txt', changed, { root: 'team', mode: 'overwrite' });
      await dbx.putFile('/Legal/Contracts/NDA Globex.txt', 'NDA Globex', { root: 'team' });
      const movesBefore = moves();

      // After the restart: only the changed and the new file travel; the unchanged ones are not even claimed.
      example = await load(file, [contextStoresLoader()]);
      audit = messagesAt(example, 'debug', 'Backed up');
      fire(example, 'Back up now');
      await waitFor('the second backup', () => (audit.length >= 2 ? true : undefined));
      await sleep(2000);
      assert.deepEqual(audit.map((m) => [m.filebridge?.source?.path, m.filebridge?.cs?.action]).sort(), [
        ['/Legal/Contracts/NDA ACME.txt', 'versioned'],
        ['/Legal/Contracts/NDA Globex.txt', 'created'],
      ]);
      assert.equal(moves() - movesBefore, 0, 'nothing was moved: the files were taken in place');
      const nda = await backedUp('Legal/Contracts/NDA ACME.txt');
      assert.deepEqual(
        nda.versions.map((v) => v.sha256),
        [nda.versions[0].sha256, sha256(changed)],
      );
      assert.equal((await backedUp('Finance/Invoices/INV-2026-001.txt')).versions.length, 1, 'the unchanged invoice has still one version');
      assert.equal((await backedUp('Finance/Reports/Q3 2026.csv')).versions.length, 1);
      assert.equal(dbx.entry('/Finance/Invoices/INV-2026-001.txt', 'team')?.id, invoice?.id);
      assert.equal(dbx.entry('/Finance/Invoices/INV-2026-001.txt', 'team')?.rev, invoice?.rev, 'the unchanged invoice was never moved or rewritten');
    } finally {
      helper.settings({});
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
