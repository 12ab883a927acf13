/**
 * The Content Server simulator must be as strict as the real server (shared/reference/contentserver-rest.md):
 * a client that passes here must not fail at a customer because the simulator was lax.
 * Here: the fault knobs (faults.ts).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { ReadableStream } from 'node:stream/web';
import { startContentServerSim, type ContentServerSim } from '../../../../../dev/sim/content-server';
import { call, clearFaults, fileForm, freshFolderIn, items, login, simGet, startLoggedIn } from '../../../../support/simulator-http';

describe('Content Server simulator: fault knobs', function () {
  let sim: ContentServerSim;
  let ticket: string;
  const freshFolder = (): Promise<number> => freshFolderIn(sim, ticket);

  before(async function () {
    ({ sim, ticket } = await startLoggedIn());
  });
  after(async function () {
    await sim.stop();
  });
  afterEach(function () {
    clearFaults(sim);
  });

  describe('faults', function () {
    it('fails the next N requests with 503 / 502 / HTML 500 answers, then serves again', async function () {
      const res = await fetch(`${sim.url}/__sim/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ failNext: 3 }),
      });
      assert.equal(res.status, 200);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const a = await call(sim, 'GET', '/v2/nodes/2000', { ticket });
        statuses.push(a.status);
        assert.equal(a.json, undefined, 'injected errors are not JSON');
        assert.match(a.text, /<html|<!DOCTYPE/i);
      }
      assert.deepEqual([...statuses].sort(), [500, 502, 503]);
      assert.equal((await call(sim, 'GET', '/v2/nodes/2000', { ticket })).status, 200);
    });

    it('injects errors at errorRate and leaves /__sim alone', async function () {
      sim.setFaults({ errorRate: 1 });
      assert.ok([502, 503, 500].includes((await call(sim, 'GET', '/v1/ping')).status));
      const faults = (await simGet(sim, '/__sim/faults')) as { errorRate: number };
      assert.equal(faults.errorRate, 1);
    });

    it('delays answers by latencyMs', async function () {
      sim.setFaults({ latencyMs: 300 });
      const t0 = Date.now();
      await call(sim, 'GET', '/v1/ping');
      assert.ok(Date.now() - t0 >= 290);
    });

    it('drops uploads mid-body and stores nothing', async function () {
      const parent = await freshFolder();
      sim.setFaults({ dropUploadRate: 1 });
      await assert.rejects(
        call(sim, 'POST', '/v2/nodes', {
          ticket,
          multipart: fileForm({ type: '144', parent_id: String(parent), name: 'big.bin' }, new Uint8Array(2 * 1024 * 1024), 'big.bin'),
        }),
      );
      sim.setFaults({ dropUploadRate: 0 });
      assert.equal(items(await call(sim, 'GET', `/v2/nodes/${parent}/nodes`, { ticket })).length, 0);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(readdirSync(sim.store.tmpDir).length, 0);
      assert.equal(sim.stats().droppedUploads, 1);
    });

    it('drops small chunked uploads too (no Content-Length, shorter than the cut point)', async function () {
      sim.setFaults({ dropUploadRate: 1 });
      const boundary = 'small-chunked';
      const text = `--${boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\n{"type":0,"parent_id":2200,"name":"never"}\r\n--${boundary}--\r\n`;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(text));
          controller.close();
        },
      });
      const init = { method: 'POST', headers: { OTCSTicket: ticket, 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body, duplex: 'half' };
      await assert.rejects(fetch(`${sim.apiBase}/v2/nodes`, init as unknown as RequestInit));
      sim.setFaults({ dropUploadRate: 0 });
      assert.equal(items(await call(sim, 'GET', '/v2/nodes/2200/nodes?where_name=never', { ticket })).length, 0);
    });

    it('takes the same knobs at start', async function () {
      const flaky = await startContentServerSim({ faults: { failNext: 1, ticketTtlSeconds: 60 } });
      try {
        assert.equal((await call(flaky, 'GET', '/v1/ping')).status >= 500, true);
        assert.equal((await call(flaky, 'GET', '/v1/ping')).status, 200);
        const t = await login(flaky);
        const a = await call(flaky, 'GET', '/v2/nodes/2000', { ticket: t });
        assert.ok(Number(a.headers.get('otcsticketexpires')) > Date.now());
      } finally {
        await flaky.stop();
      }
    });

    it('plays scripted answers in order: 429, empty 504, JSON 403, a dropped connection, then normal service', async function () {
      sim.script([{ status: 429, body: '', headers: { 'Retry-After': '2' } }, { status: 504 }]);
      const res = await fetch(`${sim.url}/__sim/script`, {
        method: 'POST',
        body: JSON.stringify({ answers: [{ status: 403, body: { error: 'This feature is disabled' } }, { drop: true }] }),
      });
      assert.deepEqual(await res.json(), { queued: 4 });
      const a = await call(sim, 'GET', '/v2/nodes/2000', { ticket });
      assert.equal(a.status, 429);
      assert.equal(a.headers.get('retry-after'), '2');
      const b = await call(sim, 'GET', '/v2/nodes/2000', { ticket });
      assert.deepEqual([b.status, b.text], [504, '']);
      const c = await call(sim, 'GET', '/v2/nodes/2000', { ticket });
      assert.deepEqual([c.status, c.json], [403, { error: 'This feature is disabled' }]);
      await assert.rejects(call(sim, 'GET', '/v2/nodes/2000', { ticket }));
      assert.equal((await call(sim, 'GET', '/v2/nodes/2000', { ticket })).status, 200);
      const bad = await fetch(`${sim.url}/__sim/script`, { method: 'POST', body: JSON.stringify({ answers: [{ status: 42 }] }) });
      assert.equal(bad.status, 400);
    });

    it('leaves a scripted request hanging until the client gives up', async function () {
      sim.script([{ hang: true }]);
      await assert.rejects(fetch(`${sim.apiBase}/v1/ping`, { signal: AbortSignal.timeout(300) }), /aborted|timeout/i);
      assert.equal((await call(sim, 'GET', '/v1/ping')).status, 200);
    });

    it('refuses unknown fault knobs', async function () {
      const res = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ errorRat: 0.5 }) });
      assert.equal(res.status, 400);
      assert.throws(() => sim.setFaults({ errorRate: 2 }));
    });
  });
});
