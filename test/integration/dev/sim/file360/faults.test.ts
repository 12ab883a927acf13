/**
 * The fault knobs (faults.ts) and the inspection endpoints (/_sim/...): latency, 500/503, 429 storms
 * with Retry-After, uploads dropped mid-body (nothing stored), token expiry; state, stats, dropped-in files.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { call, freshFolder, resultsOf, uploadDocument, useFile360Sim } from '../../../../support/file360-sim';

describe('File 360 simulator: faults and inspection', function () {
  const used = useFile360Sim();
  const me = () => call(used.sim, 'GET', '/api/v1/users/me', { token: used.token });
  const simPost = (path: string, body?: string) => fetch(`${used.sim.url}${path}`, { method: 'POST', body });

  it('delays answers by latencyMs', async function () {
    used.sim.setFaults({ latencyMs: 250 });
    const t0 = Date.now();
    await me();
    assert.ok(Date.now() - t0 >= 240);
  });

  it('fails the next N requests with 500 and 503 (with Retry-After), as JSON, then serves again', async function () {
    const set = await simPost('/_sim/faults', JSON.stringify({ failNext: 2, retryAfterSeconds: 3 }));
    assert.equal(set.status, 200);
    const a = await me();
    const b = await me();
    assert.deepEqual([a.status, b.status].sort(), [500, 503]);
    const unavailable = a.status === 503 ? a : b;
    assert.equal(unavailable.headers.get('retry-after'), '3');
    assert.deepEqual(Object.keys(unavailable.json as object).sort(), ['error', 'message']);
    assert.equal((await me()).status, 200);
  });

  it('answers a storm of N requests 429 with Retry-After, then serves again', async function () {
    used.sim.setFaults({ rateLimitNext: 5, retryAfterSeconds: 2 });
    const before = used.sim.stats().rateLimited;
    for (let i = 0; i < 5; i++) {
      const a = await me();
      assert.equal(a.status, 429);
      assert.equal(a.headers.get('retry-after'), '2');
      assert.equal((a.json as { error: string }).error, 'tooManyRequests');
    }
    assert.equal((await me()).status, 200);
    assert.equal(used.sim.stats().rateLimited, before + 5);
  });

  it('answers 429 at rateLimitRate and never on the token endpoint', async function () {
    used.sim.setFaults({ rateLimitRate: 1 });
    assert.equal((await me()).status, 429);
    const t = await fetch(`${used.sim.ssoUrl}/otdsws/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: used.sim.clientId, client_secret: used.sim.clientSecret }).toString(),
    });
    assert.equal(t.status, 200);
  });

  it('drops the connection halfway through an upload (dropUploadNext) and stores nothing', async function () {
    const folder = await freshFolder(used);
    used.sim.setFaults({ dropUploadNext: 1 });
    const before = used.sim.stats().droppedUploads;
    await assert.rejects(uploadDocument(used.sim, used.token, folder, 'dropped.bin', 'x'.repeat(512 * 1024)));
    assert.equal(used.sim.stats().droppedUploads, before + 1);
    assert.equal(resultsOf(await call(used.sim, 'GET', `/api/v1/folders/${folder}/children`, { token: used.token })).length, 0);
    assert.equal(used.sim.documentAt(`${used.sim.state().folders.find((f) => f.id === folder)?.path ?? ''}/dropped.bin`), undefined);
    // The next upload goes through.
    assert.equal((await uploadDocument(used.sim, used.token, folder, 'dropped.bin', 'x')).status, 201);
  });

  it('drops chunked uploads (no Content-Length) too', async function () {
    const folder = await freshFolder(used);
    used.sim.setFaults({ dropUploadRate: 1 });
    const status = await new Promise<string>((resolve) => {
      const req = request(`${used.sim.url}/api/v3/documents?collisionStrategy=fail`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${used.token}`, 'Content-Type': 'multipart/form-data; boundary=XyZ' },
      });
      req.on('response', (res) => resolve(`answered ${res.statusCode ?? 0}`));
      req.on('error', (e) => resolve(`dropped: ${e.message}`));
      req.write(
        `--XyZ\r\nContent-Disposition: form-data; name="parentId"\r\n\r\n${folder}\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="c.bin"\r\n\r\n`,
      );
      const chunk = Buffer.alloc(16 * 1024, 1);
      let n = 0;
      const pump = (): void => {
        if (n++ < 64 && !req.destroyed) {
          req.write(chunk);
          setTimeout(pump, 2);
        } else if (!req.destroyed) req.end('\r\n--XyZ--\r\n');
      };
      pump();
    });
    assert.match(status, /^dropped/);
    assert.equal(resultsOf(await call(used.sim, 'GET', `/api/v1/folders/${folder}/children`, { token: used.token })).length, 0);
  });

  it('expires every token on POST /_sim/tokens/expire', async function () {
    assert.equal((await simPost('/_sim/tokens/expire')).status, 200);
    assert.equal((await me()).status, 401);
    used.token = used.sim.issueToken();
  });

  it('refuses unknown or out-of-range knobs', async function () {
    const typo = await simPost('/_sim/faults', JSON.stringify({ latency: 5 }));
    assert.equal(typo.status, 400);
    assert.match(await typo.text(), /Unknown fault knob 'latency'/);
    assert.throws(() => used.sim.setFaults({ errorRate: 2 }));
    assert.throws(() => used.sim.setFaults({ childrenAsArray: 1 as unknown as boolean }));
  });

  describe('inspection', function () {
    it('drops a document in by folder path or id as a person would, seen by listings and /_sim/state', async function () {
      const res = await simPost(`/_sim/files?folder=${encodeURIComponent('/Suppliers/ACME')}&name=${encodeURIComponent('Order 42.csv')}`, 'a,b\n1,2\n');
      assert.equal(res.status, 200);
      const doc = (await res.json()) as { id: string; path: string; size: number; sha256: string };
      assert.equal(doc.path, '/Suppliers/ACME/Order 42.csv');
      assert.equal(doc.size, 8);
      assert.match(doc.sha256, /^[0-9a-f]{64}$/);
      const acme = used.sim.folderAt('/Suppliers/ACME')?.id ?? '';
      const names = resultsOf(await call(used.sim, 'GET', `/api/v1/folders/${acme}/children`, { token: used.token })).map((r) => r.name);
      assert.ok(names.includes('Order 42.csv'));
      const byId = await simPost(`/_sim/files?folder=${acme}&name=${encodeURIComponent('Order 42.csv')}&collision=rename`, 'x');
      assert.equal(((await byId.json()) as { name: string }).name, 'Order 42.csv (1)');
      assert.equal((await simPost(`/_sim/files?folder=${acme}&name=${encodeURIComponent('Order 42.csv')}&collision=fail`, 'x')).status, 409);
      assert.equal((await simPost(`/_sim/files?folder=/Nowhere&name=x`, 'x')).status, 400);
      const state = (await (await fetch(`${used.sim.url}/_sim/state`)).json()) as {
        account: { rootId: string };
        folders: { path: string; collaborators: unknown[] }[];
        documents: { path: string; sha256: string; parentId: string }[];
        groups: { name: string; members: string[] }[];
      };
      assert.equal(state.account.rootId, used.sim.rootId);
      assert.ok(state.folders.some((f) => f.path === '/Exceptions'));
      assert.equal(state.documents.find((d) => d.path === '/Suppliers/ACME/Order 42.csv')?.sha256, doc.sha256);
      assert.deepEqual(state.groups.find((g) => g.name === 'Supplier ACME')?.members, ['alice.acme@acme.example']);
      const pf = await used.sim.putFile('/Exceptions', 'error report.txt', 'boom');
      assert.equal(used.sim.documentAt('/Exceptions/error report.txt')?.id, pf.id);
    });

    it('counts requests per route in /_sim/stats', async function () {
      const key = 'GET /api/v1/folders/{id}/children';
      const before = used.sim.stats().byRoute[key] ?? 0;
      await call(used.sim, 'GET', `/api/v1/folders/${used.sim.rootId}/children`, { token: used.token });
      const stats = (await (await fetch(`${used.sim.url}/_sim/stats`)).json()) as { byRoute: Record<string, number>; rss: number; tokensIssued: number };
      assert.equal(stats.byRoute[key], before + 1);
      assert.ok(stats.rss > 0);
      assert.ok(stats.tokensIssued >= 1);
    });
  });
});
