/**
 * The Dropbox simulator's fault knobs (faults.ts) and inspection endpoints (/_sim/...): latency, 5xx,
 * 429 too_many_requests / too_many_write_operations with Retry-After, write contention of single
 * commits versus finish_batch_v2, dropped uploads, expired tokens; state, stats and dropped-in files.
 */
import assert from 'node:assert/strict';
import { freshFolder, rpc, upload, useDropboxSim } from '../../../../support/dropbox-sim';

describe('Dropbox simulator: faults and inspection', function () {
  const used = useDropboxSim();
  const call = (route: string, arg: unknown) => rpc(used.sim, route, arg, { token: used.token });
  const put = (path: string, text: string) => upload(used.sim, 'files/upload', { path }, text, { token: used.token });
  const simPost = (path: string, body?: string | Buffer) =>
    fetch(`${used.sim.url}${path}`, { method: 'POST', body: body === undefined ? undefined : new Uint8Array(Buffer.from(body)) });

  it('delays answers by latencyMs', async function () {
    used.sim.setFaults({ latencyMs: 250 });
    const t0 = Date.now();
    await call('files/list_folder', { path: '' });
    assert.ok(Date.now() - t0 >= 240);
  });

  it('fails the next N requests with 500 (empty) and 503 (Retry-After), then serves again', async function () {
    const set = await fetch(`${used.sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ failNext: 2, retryAfterSeconds: 3 }),
    });
    assert.equal(set.status, 200);
    const a = await call('files/list_folder', { path: '' });
    const b = await call('files/list_folder', { path: '' });
    const statuses = [a.status, b.status].sort();
    assert.deepEqual(statuses, [500, 503]);
    const unavailable = a.status === 503 ? a : b;
    assert.equal(unavailable.headers.get('retry-after'), '3');
    assert.equal((await call('files/list_folder', { path: '' })).status, 200);
  });

  it('answers 429 too_many_requests with Retry-After at rateLimitRate', async function () {
    used.sim.setFaults({ rateLimitRate: 1, retryAfterSeconds: 2 });
    const a = await call('files/list_folder', { path: '' });
    assert.equal(a.status, 429);
    assert.equal(a.headers.get('retry-after'), '2');
    assert.deepEqual(a.json, { error_summary: 'too_many_requests/..', error: { reason: { '.tag': 'too_many_requests' }, retry_after: 2 } });
  });

  it('answers writes (only) 429 too_many_write_operations at writeLimitRate', async function () {
    used.sim.setFaults({ writeLimitRate: 1 });
    const w = await put('/Inbox/limited.txt', 'x');
    assert.equal(w.status, 429);
    assert.equal((w.json?.error as { reason: { '.tag': string } }).reason['.tag'], 'too_many_write_operations');
    assert.equal((await call('files/list_folder', { path: '' })).status, 200);
  });

  describe('write contention (contendSingleCommits)', function () {
    it('refuses concurrent single commits with too_many_write_operations, as 429 and inside 409 write errors', async function () {
      const dir = await freshFolder(used);
      used.sim.setFaults({ contendSingleCommits: true, writeLockMs: 200 });
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => put(`${dir}/c${i}.txt`, `c${i}`)));
      const ok = answers.filter((a) => a.status === 200);
      const limited = answers.filter((a) => a.status === 429);
      const inside = answers.filter((a) => a.status === 409);
      assert.ok(ok.length >= 1, 'the first commit gets the lock');
      assert.ok(limited.length >= 1 && inside.length >= 1, answers.map((a) => a.status).join());
      for (const a of limited) assert.equal((a.json?.error as { reason: { '.tag': string } }).reason['.tag'], 'too_many_write_operations');
      for (const a of inside) {
        assert.equal(a.json?.error_summary, 'path/too_many_write_operations/..');
        assert.equal(typeof (a.json?.error as { upload_session_id: string }).upload_session_id, 'string');
      }
      assert.ok(used.sim.stats().writeContention >= 2);
    });

    it('commits a whole batch with finish_batch_v2 while single commits contend, one batch at a time', async function () {
      const dir = await freshFolder(used);
      const sessions: string[] = [];
      for (let i = 0; i < 20; i++)
        sessions.push((await upload(used.sim, 'files/upload_session/start', { close: true }, `b${i}`, { token: used.token })).json?.session_id as string);
      used.sim.setFaults({ contendSingleCommits: true, writeLockMs: 300 });
      // A single commit holds the lock; the first batch waits for it, the second meanwhile fails entry by entry.
      const single = put(`${dir}/single.txt`, 's');
      await new Promise((r) => setTimeout(r, 50));
      const entries = (ids: string[]) => ids.map((id, i) => ({ cursor: { session_id: id, offset: `b${i}`.length }, commit: { path: `${dir}/b${i}.txt` } }));
      const first = call('files/upload_session/finish_batch_v2', { entries: entries(sessions.slice(0, 10)) });
      await new Promise((r) => setTimeout(r, 50));
      const second = await call('files/upload_session/finish_batch_v2', { entries: entries(sessions.slice(10)) });
      assert.equal((await single).status, 200);
      const firstDone = await first;
      assert.equal(firstDone.status, 200, firstDone.text);
      assert.deepEqual(new Set((firstDone.json?.entries as { '.tag': string }[]).map((e) => e['.tag'])), new Set(['success']));
      assert.equal(second.status, 200);
      for (const e of second.json?.entries as { '.tag': string; failure: unknown }[])
        assert.deepEqual(e, { '.tag': 'failure', failure: { '.tag': 'too_many_write_operations' } });
      assert.equal(used.sim.state().namespaces[0]?.entries.filter((e) => e.path_display.startsWith(`${dir}/b`)).length, 10);
    });
  });

  it('drops the connection halfway through an upload at dropUploadRate and stores nothing', async function () {
    const dir = await freshFolder(used);
    used.sim.setFaults({ dropUploadRate: 1 });
    const before = used.sim.stats().droppedUploads;
    await assert.rejects(put(`${dir}/dropped.bin`, 'x'.repeat(512 * 1024)));
    assert.equal(used.sim.stats().droppedUploads, before + 1);
    assert.equal(used.sim.entry(`${dir}/dropped.bin`), undefined);
  });

  it('drops chunked uploads (no Content-Length) too', async function () {
    const dir = await freshFolder(used);
    used.sim.setFaults({ dropUploadRate: 1 });
    const before = used.sim.stats().droppedUploads;
    const chunk = new Uint8Array(32 * 1024);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const send = fetch(`${used.sim.url}/2/files/upload`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${used.token}`,
        'Content-Type': 'application/octet-stream',
        'Dropbox-API-Arg': JSON.stringify({ path: `${dir}/chunked.bin` }),
      },
      body,
      duplex: 'half',
    } as RequestInit);
    await assert.rejects(send);
    assert.equal(used.sim.stats().droppedUploads, before + 1);
    assert.equal(used.sim.entry(`${dir}/chunked.bin`), undefined);
  });

  it('expires every access token on POST /_sim/tokens/expire', async function () {
    const token = used.sim.issueAccessToken();
    assert.equal((await simPost('/_sim/tokens/expire')).status, 200);
    const a = await rpc(used.sim, 'files/list_folder', { path: '' }, { token });
    assert.equal(a.status, 401);
    used.token = used.sim.issueAccessToken();
  });

  it('refuses unknown or out-of-range knobs', async function () {
    const typo = await fetch(`${used.sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ latency: 5 }) });
    assert.equal(typo.status, 400);
    assert.throws(() => used.sim.setFaults({ errorRate: 2 }));
  });

  describe('inspection', function () {
    it('drops a file in as a partner would: POST /_sim/files, seen by cursors and /_sim/state', async function () {
      const dir = await freshFolder(used);
      const cursor = (await call('files/list_folder/get_latest_cursor', { path: dir })).json?.cursor as string;
      const res = await simPost(`/_sim/files?path=${encodeURIComponent(`${dir}/Partner Drop.csv`)}`, 'a,b\n1,2\n');
      assert.equal(res.status, 200);
      const dropped = (await res.json()) as { path_display: string; size: number; rev: string; content_hash: string };
      assert.equal(dropped.size, 8);
      const changes = await call('files/list_folder/continue', { cursor });
      assert.deepEqual(
        (changes.json?.entries as { path_display: string }[]).map((e) => e.path_display),
        [`${dir}/Partner Drop.csv`],
      );
      const state = (await (await fetch(`${used.sim.url}/_sim/state`)).json()) as {
        namespaces: { entries: { path_display: string; rev: string; id: string }[] }[];
      };
      const found = state.namespaces[0]?.entries.find((e) => e.path_display === `${dir}/Partner Drop.csv`);
      assert.equal(found?.rev, dropped.rev);
      assert.match(found?.id ?? '', /^id:/);
      const team = await simPost(`/_sim/files?path=/Finance/drop.txt&root=team`, 't');
      assert.equal(team.status, 200);
      assert.ok(used.sim.entry('/finance/DROP.txt', 'team'));
    });

    it('counts requests per route in /_sim/stats', async function () {
      const before = used.sim.stats().byRoute['files/get_metadata'] ?? 0;
      await call('files/get_metadata', { path: '/Clients' });
      const stats = (await (await fetch(`${used.sim.url}/_sim/stats`)).json()) as { byRoute: Record<string, number>; rss: number };
      assert.equal(stats.byRoute['files/get_metadata'], before + 1);
      assert.ok(stats.rss > 0);
    });
  });
});
