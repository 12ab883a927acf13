import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chown, stat } from 'node:fs/promises';
import { once } from 'node:events';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import watchNode from '../../../src/nodes/filebridge-watch';
import ackNode from '../../../src/nodes/filebridge-ack';
import quarantineNode from '../../../src/nodes/filebridge-quarantine';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import csUploadNode from '../../../src/nodes/filebridge-cs-upload';
import validateNode from '../../../src/nodes/filebridge-validate';
import { simulatorAndNodeRed } from '../../support/simulator-flows';
import type { Protocol } from '../../../src/core/remote/types';
import { servers } from '../../support/dev-servers';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow } from '../../support/flow-helper';
import { retainedArrayBuffers } from '../../support/memory';
import { serverConfigNode } from '../../support/server-config-node';

helper.init(nodeRedPath());

const NODES: unknown[] = [serverNode, watchNode, validateNode, ackNode, quarantineNode, csConnectionNode, csUploadNode, coreNode('common/25-catch.js')];

type Msg = Record<string, unknown> & {
  error?: { code?: string; message: string };
  filebridge?: { audit?: Record<string, unknown> & { target?: { id: number; name: string; action: string } }; quarantine?: { path: string } };
};

/** A file of `size` bytes with a known hash, written without holding it in memory. */
async function writeBigFile(rel: string, size: number): Promise<string> {
  await servers().writeFile(rel, '');
  const hash = createHash('sha256');
  const out = createWriteStream(servers().localPath(rel));
  const block = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < size; written += block.length) {
    block.fill(written % 251);
    const part = block.subarray(0, Math.min(block.length, size - written));
    hash.update(part);
    if (!out.write(part)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const st = await stat(servers().localPath(`${rel.split('/').slice(0, -1).join('/')}`));
  await chown(servers().localPath(rel), st.uid, st.gid);
  return hash.digest('hex');
}

describe('filebridge-ack in Node-RED flows', function () {
  this.timeout(90_000);
  const { sim } = simulatorAndNodeRed();
  beforeEach(() => servers().startAll());

  for (const protocol of ['sftp', 'ftp'] as Protocol[]) {
    // 1 GiB over SFTP (the size); FTP moves the same code path with 300 MiB to keep the run short.
    const size = protocol === 'sftp' ? 1024 * 1024 * 1024 : 300 * 1024 * 1024;
    it(`${protocol} [volume]: a ${size >> 20} MiB file flows watch -> validate -> cs-upload (simulator) -> ack with flat memory; the audit names the Content Server document`, async function () {
      this.timeout(300_000);
      const dir = `ack-e2e-${protocol}`;
      await servers().remove(dir);
      await servers().mkdirp(`${dir}/inbox`);
      const spool = mkdtempSync(join(tmpdir(), 'fb-spool-'));
      const expected = await writeBigFile(`${dir}/inbox/big.bin`, size);
      await loadFlow(
        NODES,
        [
          { id: 'tab', type: 'tab', label: 'e2e' },
          serverConfigNode(protocol, { poolSize: 3 }),
          { id: 'conn', type: 'filebridge-cs-connection', baseUrl: sim.apiBase, authMode: 'password', username: 'Admin', timeout: 60, retries: 1 },
          {
            id: 'watch',
            z: 'tab',
            x: 100,
            y: 100,
            type: 'filebridge-watch',
            server: 'srv',
            folder: `${dir}/inbox`,
            intervalSeconds: 0.3,
            stableSeconds: 0.5,
            output: 'stream',
            sha256: true,
            wires: [['check']],
          },
          {
            id: 'check',
            z: 'tab',
            x: 200,
            y: 100,
            type: 'filebridge-validate',
            extOn: true,
            extensions: 'bin',
            sizeOn: true,
            minSize: '1 MB',
            maxSize: '2 GB',
            nonEmptyOn: true,
            magicOn: true,
            spoolDir: spool,
            wires: [['up'], ['caught']],
          },
          {
            id: 'up',
            z: 'tab',
            x: 300,
            y: 100,
            type: 'filebridge-cs-upload',
            connection: 'conn',
            folder: `Enterprise:Inbound/e2e-${protocol}`,
            createFolders: true,
            collision: 'add-version',
            categories: '',
            wires: [['ack']],
          },
          { id: 'ack', z: 'tab', x: 500, y: 100, type: 'filebridge-ack', action: 'delete', wires: [['acked']] },
          { id: 'acked', z: 'tab', x: 700, y: 100, type: 'helper' },
          { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
          { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
        ],
        { srv: { password: servers().password }, conn: { password: 'livelink' } },
      );
      const arrivals = new Arrivals<Msg>(['acked', 'caught']);
      const baseline = await retainedArrayBuffers();
      let peak = 0;
      const sampler = setInterval(() => {
        void retainedArrayBuffers().then((b) => {
          peak = Math.max(peak, b - baseline);
        });
      }, 250);
      const { id, msg } = await arrivals.next();
      clearInterval(sampler);
      assert.equal(msg.error?.message, undefined);
      assert.equal(id, 'acked');
      const audit = msg.filebridge!.audit!;
      assert.equal(audit.outcome, 'acked');
      assert.equal(audit.disposal, 'deleted');
      assert.equal(audit.bytes, size);
      assert.equal(audit.sha256, expected, 'SHA-256 computed while streaming');
      assert.equal(audit.target?.name, 'big.bin');
      assert.equal(audit.target?.action, 'created');
      const doc = (await (await fetch(`${sim.url}/__sim/nodes/${audit.target!.id}`)).json()) as { versions: { sha256: string; file_size: number }[] };
      assert.equal(doc.versions[0].sha256, expected);
      assert.equal(doc.versions[0].file_size, size);
      assert.equal(await servers().exists(`${dir}/inbox/big.bin`), false);
      assert.deepEqual(readdirSync(spool), [], 'the validate spool file is gone');
      console.log(`      (${protocol}: peak retained ${Math.round(peak / 1048576)} MiB)`);
      assert.ok(peak < 64 * 1024 * 1024, `memory stayed flat (peak ${Math.round(peak / 1048576)} MiB retained)`);
    });
  }

  it('a stream upload cut off on the network is sent again from the claimed file on the server', async () => {
    const dir = 'reopen-upload';
    await servers().remove(dir);
    const data = Buffer.alloc(3 * 1024 * 1024, 'filebridge ');
    await servers().writeFile(`${dir}/inbox/retry.bin`, data);
    await loadFlow(
      NODES,
      [
        { id: 'tab', type: 'tab', label: 'reopen' },
        serverConfigNode('sftp', { poolSize: 3 }),
        { id: 'conn', type: 'filebridge-cs-connection', baseUrl: sim.apiBase, authMode: 'password', username: 'Admin', timeout: 30, retries: 6 },
        {
          id: 'watch',
          z: 'tab',
          x: 100,
          y: 100,
          type: 'filebridge-watch',
          server: 'srv',
          folder: `${dir}/inbox`,
          intervalSeconds: 0.3,
          stableSeconds: 0.3,
          output: 'stream',
          wires: [['up']],
        },
        {
          id: 'up',
          z: 'tab',
          x: 300,
          y: 100,
          type: 'filebridge-cs-upload',
          connection: 'conn',
          folder: 'Enterprise:Inbound/reopen',
          createFolders: true,
          collision: 'fail',
          categories: '',
          wires: [['ack']],
        },
        { id: 'ack', z: 'tab', x: 500, y: 100, type: 'filebridge-ack', action: 'delete', wires: [['acked']] },
        { id: 'acked', z: 'tab', x: 700, y: 100, type: 'helper' },
        { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
      ],
      { srv: { password: servers().password }, conn: { password: 'livelink' } },
    );
    const arrivals = new Arrivals<Msg>(['acked', 'caught']);
    // The first upload attempt is cut halfway; the next ones go through.
    const droppedBefore = sim.stats().droppedUploads;
    sim.setFaults({ dropUploadRate: 1 });
    const heal = setInterval(() => {
      if (sim.stats().droppedUploads > droppedBefore) sim.setFaults({ dropUploadRate: 0 });
    }, 10);
    try {
      const { id, msg } = await arrivals.next();
      assert.equal(id, 'acked', JSON.stringify(msg.error));
      assert.ok(sim.stats().droppedUploads > droppedBefore, 'an attempt was really cut off');
      const doc = (await (await fetch(`${sim.url}/__sim/nodes/${msg.filebridge!.audit!.target!.id}`)).json()) as {
        versions: { sha256: string; file_size: number }[];
      };
      assert.equal(doc.versions.length, 1);
      assert.equal(doc.versions[0].file_size, data.length);
      assert.equal(doc.versions[0].sha256, createHash('sha256').update(data).digest('hex'));
    } finally {
      clearInterval(heal);
      sim.setFaults({ dropUploadRate: 0 });
    }
  });

  it('ack disposes through the server configuration when the watch is no longer deployed', async () => {
    const dir = 'ack-nowatch';
    await servers().remove(dir);
    const claimPath = `${dir}/in/.filebridge/processing/sub/1700000000000-0badc0de-1~lost.pdf`;
    await servers().writeFile(claimPath, 'lost and found');
    await loadFlow(
      NODES,
      [
        { id: 'tab', type: 'tab', label: 'nowatch' },
        serverConfigNode('sftp', { poolSize: 3 }),
        { id: 'ack', z: 'tab', x: 100, y: 100, type: 'filebridge-ack', action: 'archive', archiveTemplate: 'done/{yyyy}/', wires: [['acked']] },
        { id: 'acked', z: 'tab', x: 300, y: 100, type: 'helper' },
      ],
      { srv: { password: servers().password } },
    );
    const arrivals = new Arrivals<Msg>(['acked']);
    helper.getNode('ack').receive({
      filebridge: {
        correlationId: 'c-1',
        source: {
          server: 'srv',
          watch: 'removed-watch',
          protocol: 'sftp',
          host: 'h',
          port: 22,
          folder: `${dir}/in`,
          path: `${dir}/in/sub/lost.pdf`,
          relativePath: 'sub/lost.pdf',
          name: 'lost.pdf',
          claimPath,
          size: 14,
          mtime: new Date().toISOString(),
          claimedAt: new Date().toISOString(),
          attempt: 1,
        },
      },
    } as never);
    const { msg } = await arrivals.next();
    const where = String(msg.filebridge!.audit!.sourceNowAt);
    assert.equal(where, `${dir}/in/done/${new Date().getUTCFullYear()}/sub/lost.pdf`);
    assert.equal((await servers().readFile(where)).toString(), 'lost and found');
    assert.equal(await servers().exists(claimPath), false);
  });
});
