/**
 * The round-trip examples (ftp-cs-04, sftp-cs-04), loaded unchanged but for the server settings: a
 * document goes out to the partner's server with its node id in the file name, the partner's copy
 * comes back into the return folder and becomes version 2 of the same document.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import ackNode from '../../../src/nodes/filebridge-ack';
import csActionNode from '../../../src/nodes/filebridge-cs-action';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import csExportNode from '../../../src/nodes/filebridge-cs-export';
import csUploadNode from '../../../src/nodes/filebridge-cs-upload';
import mapMetadataNode from '../../../src/nodes/filebridge-map-metadata';
import quarantineNode from '../../../src/nodes/filebridge-quarantine';
import remoteNode from '../../../src/nodes/filebridge-remote';
import serverNode from '../../../src/nodes/filebridge-server';
import watchNode from '../../../src/nodes/filebridge-watch';
import { simulatorAndNodeRed } from '../../support/simulator-flows';
import { servers } from '../../support/dev-servers';
import { coreNodes, prepareExample, type PreparedExample } from '../../support/example-flows';
import { loadFlow } from '../../support/flow-helper';
import { nodeRedPath } from '../../support/node-red-under-test';

helper.init(nodeRedPath());

const NODES: unknown[] = [
  serverNode,
  csConnectionNode,
  csExportNode,
  remoteNode,
  csActionNode,
  watchNode,
  mapMetadataNode,
  csUploadNode,
  ackNode,
  quarantineNode,
  ...coreNodes(),
];

type SimVersion = { version_number: number; sha256: string; file_name: string; description: string };
type SimNode = { id: number; parent_id: number; name: string; versions: SimVersion[]; categories: Record<string, Record<string, unknown>> };

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Polls until `check` returns a value (not undefined), or fails naming what was awaited. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 25_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await check();
    if (got !== undefined) return got;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Files below a folder on the shared test home (recursive), relative to it. */
async function filesBelow(relDir: string): Promise<string[]> {
  try {
    const entries = await readdir(servers().localPath(relDir), { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => `${e.parentPath ?? e.path}/${e.name}`.slice(servers().localPath(relDir).length + 1))
      .sort();
  } catch {
    return [];
  }
}

describe('round-trip example flows: out to the partner, back as a new version (real servers, CS simulator)', function () {
  this.timeout(60_000);
  const { sim, client } = simulatorAndNodeRed({ client: { categoryTemplates: [2470] } });

  async function simNode(id: number): Promise<SimNode> {
    const res = await fetch(`${sim.url}/__sim/nodes/${id}`);
    assert.equal(res.status, 200);
    return (await res.json()) as SimNode;
  }

  async function load(relPath: string): Promise<PreparedExample> {
    const example = prepareExample(relPath, { csApiBase: sim.apiBase });
    await loadFlow(NODES, example.flow, example.credentials);
    return example;
  }

  /** Fires the example's schedule now instead of waiting for it. */
  function tick(example: PreparedExample, injectName: string): void {
    helper.getNode(example.byName('inject', injectName).id).receive({});
  }

  /** Waits for the document's version 2 and checks it is the returned file, on the same node. */
  async function versionTwo(id: number, returned: Buffer, fileName: string): Promise<SimNode> {
    const node = await waitFor(`version 2 of node ${id}`, async () => {
      const n = await simNode(id);
      return n.versions.length >= 2 ? n : undefined;
    });
    assert.deepEqual(
      node.versions.map((v) => v.version_number),
      [1, 2],
    );
    assert.equal(node.versions[1].sha256, sha256(returned), 'version 2 holds the returned bytes');
    assert.equal(node.versions[1].file_name, fileName);
    return node;
  }

  /** The return file left the return folder for the archive, and the report of a bad file is beside it in the failed folder. */
  async function archived(base: string, name: string, returned: Buffer): Promise<void> {
    const s = servers();
    const archive = await waitFor(`${name} archived`, async () => {
      const found = (await filesBelow(`${base}/return/.filebridge/archive`)).find((f) => f.endsWith(`/${name}`));
      return found;
    });
    assert.match(archive, /^\d{4}\/\d{2}\/\d{2}\//);
    assert.deepEqual(await s.readFile(`${base}/return/.filebridge/archive/${archive}`), returned);
    assert.equal(await s.exists(`${base}/return/${name}`), false);
  }

  async function quarantined(base: string, name: string): Promise<{ error: { code: string; message: string } }> {
    const s = servers();
    const report = await waitFor(`${name} quarantined`, async () =>
      (await filesBelow(`${base}/return/.filebridge/failed`)).find((f) => f.endsWith(`_${name}.error.json`)),
    );
    assert.equal(await s.exists(`${base}/return/.filebridge/failed/${report.replace(/\.error\.json$/, '')}`), true, 'the file is kept beside its report');
    assert.equal(await s.exists(`${base}/return/${name}`), false);
    return JSON.parse((await s.readFile(`${base}/return/.filebridge/failed/${report}`)).toString('utf8')) as { error: { code: string; message: string } };
  }

  it('ftp-cs-04 Signed copy returns as new version.json', async () => {
    const s = servers();
    await s.remove('ftp-cs-04');
    const original = Buffer.from('%PDF-1.7 SOP-017 batch release, version 1');
    const doc = await client.upload({
      target: 'Enterprise:Regulated/Release to partner',
      createFolders: true,
      name: 'SOP-017 Batch release.pdf',
      open: () => Readable.from([original]),
    });
    const example = await load('ftp-cs-04 Signed copy returns as new version.json');
    tick(example, 'Every 10 s: released documents');

    // Out: the file on the partner's server carries the id; the document left the release folder.
    const sentName = `SOP-017 Batch release (CS-${doc.id}).pdf`;
    await waitFor(`${sentName} in the outbox`, async () => ((await s.exists(`ftp-cs-04/outbox/${sentName}`)) ? true : undefined));
    assert.deepEqual(await s.readFile(`ftp-cs-04/outbox/${sentName}`), original);
    const outForSignature = await client.resolveFolder('Enterprise:Regulated/Out for signature');
    await waitFor('the document moved to Out for signature', async () => ((await simNode(doc.id)).parent_id === outForSignature ? true : undefined));

    // Back: the partner's signed copy, and a file whose id names no document.
    const signed = Buffer.from('%PDF-1.7 SOP-017 batch release, signed by the partner');
    const signedName = `SOP-017 Batch release (CS-${doc.id})_signed.pdf`;
    await s.writeFile(`ftp-cs-04/return/${signedName}`, signed);
    await s.writeFile('ftp-cs-04/return/Unknown (CS-99999999)_signed.pdf', 'no such document');

    const node = await versionTwo(doc.id, signed, signedName);
    assert.equal(node.versions[0].sha256, sha256(original), 'version 1 is still the released original');
    // The example's description, then the delivery mark cs upload adds to every watched file it files.
    assert.equal(node.versions[1].description.split('\n')[0], `Signed copy returned by the partner as ${signedName}`);
    assert.match(node.versions[1].description, /\nfilebridge delivery [0-9a-f]{32}( sha256 [0-9a-f]{64})?$/);
    assert.equal(node.name, 'SOP-017 Batch release.pdf');
    await archived('ftp-cs-04', signedName, signed);

    const report = await quarantined('ftp-cs-04', 'Unknown (CS-99999999)_signed.pdf');
    assert.equal(report.error.code, 'NOT_FOUND');
    assert.match(report.error.message, /No document 99999999/);

    // The new version does not send the document out again: it is no longer in the release folder.
    tick(example, 'Every 10 s: released documents');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(await filesBelow('ftp-cs-04/outbox'), [sentName]);
  });

  it('sftp-cs-04 Contract exchange.json', async () => {
    const s = servers();
    await s.remove('sftp-cs-04');
    const draft = Buffer.from('%PDF-1.7 Master services agreement ACME, draft 3');
    const contract = await client.upload({
      target: 'Enterprise:Legal/Contracts',
      createFolders: true,
      name: 'Contract ACME.pdf',
      open: () => Readable.from([draft]),
      categories: { Contract: { 'Contract Number': 'MSA-2026-017', Parties: ['ACME'], Signed: false } },
    });
    const example = await load('sftp-cs-04 Contract exchange.json');
    tick(example, 'Every 10 s: contract drafts');

    const sentName = `Contract ACME (CS-${contract.id}).pdf`;
    await waitFor(`${sentName} in the outbox`, async () => ((await s.exists(`sftp-cs-04/outbox/${sentName}`)) ? true : undefined));
    assert.deepEqual(await s.readFile(`sftp-cs-04/outbox/${sentName}`), draft);

    const returned = Buffer.from('%PDF-1.7 Master services agreement ACME, signed by both parties');
    const returnedName = `Contract ACME (CS-${contract.id})_signed.pdf`;
    await s.writeFile(`sftp-cs-04/return/${returnedName}`, returned);
    await s.writeFile('sftp-cs-04/return/Contract Globex signed.pdf', 'the id was dropped from the name');

    const node = await versionTwo(contract.id, returned, returnedName);
    assert.equal(node.versions[0].sha256, sha256(draft));
    // The example's description, then the delivery mark cs upload adds to every watched file it files.
    assert.equal(node.versions[1].description.split('\n')[0], `Returned by the counterparty as ${returnedName}`);
    assert.match(node.versions[1].description, /\nfilebridge delivery [0-9a-f]{32}( sha256 [0-9a-f]{64})?$/);
    const values = await client.readCategories(contract.id);
    assert.equal(values.Contract?.Signed, true, 'the returned version marks the contract signed');
    assert.equal(values.Contract?.['Contract Number'], 'MSA-2026-017', 'the other values stay');
    await archived('sftp-cs-04', returnedName, returned);

    const report = await quarantined('sftp-cs-04', 'Contract Globex signed.pdf');
    assert.equal(report.error.code, 'MAPPING');
    assert.match(report.error.message, /document/);

    // Signed = true now: the next export run sends nothing back out.
    tick(example, 'Every 10 s: contract drafts');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(await filesBelow('sftp-cs-04/outbox'), [sentName]);
    const tree = JSON.stringify((await (await fetch(`${sim.url}/__sim/tree`)).json()) as unknown);
    assert.doesNotMatch(tree, /Globex signed/, 'nothing was stored for the quarantined file');
  });
});
