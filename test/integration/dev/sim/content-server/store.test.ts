/**
 * The Content Server simulator must be as strict as the real server (shared/reference/contentserver-rest.md):
 * a client that passes here must not fail at a customer because the simulator was lax.
 * Here: the repository kept across a restart (store.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startContentServerSim, type ContentServerSim } from '../../../../../dev/sim/content-server';
import { call, clearFaults, fileForm, login, props, startLoggedIn } from '../../../../support/simulator-http';

describe('Content Server simulator: store', function () {
  let sim: ContentServerSim;

  before(async function () {
    ({ sim } = await startLoggedIn());
  });
  after(async function () {
    await sim.stop();
  });
  afterEach(function () {
    clearFaults(sim);
  });

  describe('persistence', function () {
    it('keeps nodes, versions and categories across a restart on the same data dir', async function () {
      const dataDir = mkdtempSync(join(tmpdir(), 'cs-sim-restart-'));
      try {
        const first = await startContentServerSim({ dataDir });
        const t1 = await login(first);
        const created = await call(first, 'POST', '/v2/nodes', {
          ticket: t1,
          multipart: fileForm(
            { body: JSON.stringify({ type: 144, parent_id: 2200, name: 'kept.txt', roles: { categories: { '9830_2': 'ACME' } } }) },
            'kept',
            'kept.txt',
            'text/plain',
          ),
        });
        const id = Number(props(created).id);
        await first.stop();
        const second = await startContentServerSim({ dataDir });
        try {
          const t2 = await login(second);
          assert.equal((await call(second, 'GET', '/v2/nodes/2000', { ticket: t1 })).status, 401, 'tickets do not survive a restart');
          const node = await call(second, 'GET', `/v2/nodes/${id}?fields=properties&fields=categories`, { ticket: t2 });
          assert.equal(props(node).name, 'kept.txt');
          const res = await fetch(`${second.apiBase}/v2/nodes/${id}/content`, { headers: { OTCSTicket: t2 } });
          assert.equal(await res.text(), 'kept');
          const next = await call(second, 'POST', '/v2/nodes', { ticket: t2, form: { type: '0', parent_id: '2200', name: 'after restart' } });
          assert.ok(Number(props(next).id) > id, 'ids keep counting');
        } finally {
          await second.stop();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});
