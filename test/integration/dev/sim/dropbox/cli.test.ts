/**
 * The simulator's CLI (`npm run sim:dropbox`) in a child process: the JSON line it prints, its
 * options, and 240 MiB through an upload session and back with the simulator's RSS staying flat
 * (content streams to and from disk, never whole in memory).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startSimCli, stopSimCli } from '../../../../support/sim-cli';

describe('Dropbox simulator: CLI', function () {
  this.timeout(120000);

  it('prints url, appKey and refreshToken and takes --app-key, --refresh-token and --token-ttl', async function () {
    const s = await startSimCli('dropbox', ['--port', '0', '--app-key', 'cli-app', '--refresh-token', 'cli-rt', '--token-ttl', '120', '--latency', '1']);
    try {
      assert.match(s.line.url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(s.line.appKey, 'cli-app');
      assert.equal(s.line.refreshToken, 'cli-rt');
      const res = await fetch(`${s.line.url}/oauth2/token?grant_type=refresh_token&refresh_token=cli-rt&client_id=cli-app`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
      });
      const body = (await res.json()) as { expires_in: number };
      assert.equal(body.expires_in, 120);
      const faults = (await (await fetch(`${s.line.url}/_sim/faults`)).json()) as { latencyMs: number };
      assert.equal(faults.latencyMs, 1);
    } finally {
      await stopSimCli(s);
    }
  });

  it('refuses an unknown option', async function () {
    await assert.rejects(startSimCli('dropbox', ['--port', '0', '--no-such-option', '1']), /Unknown option --no-such-option/);
  });

  it('streams 240 MiB up through an upload session and down again with flat RSS', async function () {
    const s = await startSimCli('dropbox', ['--port', '0']);
    try {
      const url = s.line.url ?? '';
      const tokenRes = await fetch(`${url}/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&refresh_token=${s.line.refreshToken ?? ''}&client_id=${s.line.appKey ?? ''}`,
      });
      const token = ((await tokenRes.json()) as { access_token: string }).access_token;
      const chunk = new Uint8Array(Buffer.alloc(60 * 1024 * 1024, 7));
      const sent = createHash('sha256');
      const post = (route: string, arg: unknown, body: typeof chunk) =>
        fetch(`${url}/2/files/upload_session/${route}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream', 'Dropbox-API-Arg': JSON.stringify(arg) },
          body,
        });
      const start = await post('start', {}, chunk);
      sent.update(chunk);
      const id = ((await start.json()) as { session_id: string }).session_id;
      let offset = chunk.length;
      for (let i = 0; i < 2; i++) {
        const a = await post('append_v2', { cursor: { session_id: id, offset } }, chunk);
        assert.equal(a.status, 200, await a.text());
        sent.update(chunk);
        offset += chunk.length;
      }
      const done = await post('finish', { cursor: { session_id: id, offset }, commit: { path: '/Inbox/big.bin' } }, chunk);
      assert.equal(done.status, 200, await done.text());
      sent.update(chunk);
      offset += chunk.length;
      const down = await fetch(`${url}/2/files/download`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Dropbox-API-Arg': '{"path":"/inbox/BIG.bin"}' },
      });
      const got = createHash('sha256');
      let size = 0;
      for await (const c of down.body as unknown as AsyncIterable<Uint8Array>) {
        got.update(c);
        size += c.length;
      }
      assert.equal(size, offset);
      assert.equal(got.digest('hex'), sent.digest('hex'));
      const stats = (await (await fetch(`${url}/_sim/stats`)).json()) as { rss: number };
      assert.ok(stats.rss < 200 * 1024 * 1024, `simulator RSS ${Math.round(stats.rss / 1048576)} MiB after 240 MiB up and down`);
    } finally {
      await stopSimCli(s);
    }
  });
});
