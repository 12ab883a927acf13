/**
 * Simulator endpoints beyond nodes: the large-file multipart API (routes-upload.ts).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { startContentServerSim, type ContentServerSim } from '../../../../../dev/sim/content-server';
import { call, login, props, simGet, startLoggedIn, versionOf } from '../../../../support/simulator-http';

describe('Content Server simulator: upload routes', function () {
  let sim: ContentServerSim;
  let ticket: string;

  before(async function () {
    ({ sim, ticket } = await startLoggedIn({ largeFile: { partSize: 1024 * 1024, minSize: 1 } }));
  });
  after(async function () {
    await sim.stop();
  });

  describe('large-file multipart API', function () {
    it('announces, takes parts, completes and creates a document and a version by upload_key', async function () {
      const settings = await call(sim, 'GET', '/v2/multipart/settings', { ticket });
      assert.equal((settings.json?.results as { data: { is_enabled: boolean } }).data.is_enabled, true);
      const size = 2.5 * 1024 * 1024;
      const content = Buffer.alloc(size);
      for (let i = 0; i < size; i++) content[i] = (i * 7) & 0xff;
      const begin = await call(sim, 'POST', '/v2/multipart', {
        ticket,
        form: { file_name: 'big.bin', file_size: String(size), mime_type: 'application/octet-stream' },
      });
      const { upload_key: key, num_parts: parts, part_size: partSize } = begin.json?.results as { upload_key: string; num_parts: number; part_size: number };
      assert.equal(parts, 3);
      const early = await call(sim, 'POST', `/v2/multipart/${key}`, { ticket });
      assert.equal(early.status, 500, 'completing with parts missing is refused');
      const wrongSize = new FormData();
      wrongSize.append('part_content', new Blob([new Uint8Array(content.subarray(0, 10))]), 'part');
      assert.equal((await call(sim, 'POST', `/v2/multipart/${key}/1`, { ticket, multipart: wrongSize })).status, 500);
      for (let n = 1; n <= parts; n++) {
        const fd = new FormData();
        fd.append('part_content', new Blob([new Uint8Array(content.subarray((n - 1) * partSize, n * partSize))]), `part${n}`);
        const a = await call(sim, 'POST', `/v2/multipart/${key}/${n}`, { ticket, multipart: fd });
        assert.equal(a.status, 200, a.text);
      }
      assert.equal((await call(sim, 'POST', `/v2/multipart/${key}`, { ticket })).status, 200);
      const created = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '144', parent_id: '2200', name: 'big.bin', upload_key: key } });
      assert.equal(created.status, 200, created.text);
      const id = Number(props(created).id);
      assert.equal(props(created).size, size);
      const sums = (await simGet(sim, `/__sim/versions/${id}`)) as { sha256: string }[];
      assert.equal(sums[0]?.sha256, createHash('sha256').update(content).digest('hex'));
      const reuse = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '144', parent_id: '2200', name: 'again.bin', upload_key: key } });
      assert.equal(reuse.status, 500, 'an upload key is used once');
      const second = await call(sim, 'POST', '/v2/multipart', { ticket, form: { file_name: 'big-2.bin', file_size: '5' } });
      const key2 = (second.json?.results as { upload_key: string }).upload_key;
      const fd = new FormData();
      fd.append('part_content', new Blob(['hello']), 'p1');
      assert.equal((await call(sim, 'POST', `/v2/multipart/${key2}/1`, { ticket, multipart: fd })).status, 200);
      assert.equal((await call(sim, 'POST', `/v2/multipart/${key2}`, { ticket })).status, 200);
      const version = await call(sim, 'POST', `/v2/nodes/${id}/versions`, { ticket, form: { upload_key: key2 } });
      assert.equal(version.status, 200, version.text);
      assert.equal(versionOf(version).version_number, 2);
      assert.equal(versionOf(version).file_name, 'big-2.bin');
      assert.equal(props(version).id, id, 'the document itself is in data.properties');
      assert.deepEqual(readdirSync(sim.store.tmpDir), []);
    });

    it('is an unknown route on a server without the feature', async function () {
      const old = await startContentServerSim({ largeFile: { enabled: false } });
      try {
        const t = await login(old);
        const a = await call(old, 'GET', '/v2/multipart/settings', { ticket: t });
        assert.equal(a.status, 400);
        assert.deepEqual(a.json, { error: 'The REST API URL could not be found in the mappings registry' });
      } finally {
        await old.stop();
      }
    });
  });
});
