/**
 * The CLI (`npm run sim:f360`) in a child process: the JSON line it prints, its options, and 200 MiB
 * up through the multipart upload and down again with the simulator's RSS staying flat (content
 * streams to and from disk, never whole in memory).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startSimCli, stopSimCli } from '../../../../support/sim-cli';

async function token(line: Record<string, string>): Promise<string> {
  const res = await fetch(`${line.ssoUrl ?? ''}/otdsws/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: line.clientId ?? '',
      client_secret: line.clientSecret ?? '',
      username: line.user ?? '',
      password: line.password ?? '',
    }).toString(),
  });
  const body = (await res.json()) as { access_token: string; expires_in: number };
  assert.equal(res.status, 200);
  return body.access_token;
}

describe('File 360 simulator: CLI', function () {
  this.timeout(180000);

  it('prints url, ssoUrl and the credentials as one JSON line and takes its options', async function () {
    const s = await startSimCli('file360', [
      '--port',
      '0',
      '--client-id',
      'cli-client',
      '--client-secret',
      'cli-secret',
      '--user',
      'ops@example.com',
      '--password',
      'cli-pw',
      '--token-ttl',
      '120',
      '--latency',
      '1',
    ]);
    try {
      assert.match(s.line.url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(s.line.ssoUrl, s.line.url);
      assert.equal(s.line.clientId, 'cli-client');
      assert.equal(s.line.clientSecret, 'cli-secret');
      assert.equal(s.line.user, 'ops@example.com');
      assert.equal(s.line.password, 'cli-pw');
      assert.ok(BigInt(s.line.rootId ?? '0') > 9007199254740992n);
      const res = await fetch(`${s.line.ssoUrl ?? ''}/otdsws/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=cli-client&client_secret=cli-secret',
      });
      assert.equal(((await res.json()) as { expires_in: number }).expires_in, 120);
      const me = await fetch(`${s.line.url ?? ''}/api/v1/users/me`, { headers: { Authorization: `Bearer ${await token(s.line)}` } });
      assert.equal(((await me.json()) as { email: string }).email, 'ops@example.com');
      const faults = (await (await fetch(`${s.line.url ?? ''}/_sim/faults`)).json()) as { latencyMs: number };
      assert.equal(faults.latencyMs, 1);
    } finally {
      await stopSimCli(s);
    }
  });

  it('prints the default credentials', async function () {
    const s = await startSimCli('file360', ['--port', '0']);
    try {
      assert.deepEqual(
        [s.line.clientId, s.line.clientSecret, s.line.user, s.line.password],
        ['filebridge-sim', 'sim-secret', 'sim.user@example.com', 'sim-password'],
      );
    } finally {
      await stopSimCli(s);
    }
  });

  it('refuses an unknown option and a missing value', async function () {
    await assert.rejects(startSimCli('file360', ['--port', '0', '--no-such-option', '1']), /Unknown option --no-such-option/);
    await assert.rejects(startSimCli('file360', ['--port', '0', '--latency']), /--latency needs a value/);
  });

  it('streams 200 MiB up as multipart and down again with flat RSS', async function () {
    const s = await startSimCli('file360', ['--port', '0']);
    try {
      const url = s.line.url ?? '';
      const bearer = await token(s.line);
      const total = 200 * 1024 * 1024;
      const chunk = new Uint8Array(Buffer.alloc(1024 * 1024, 7));
      const sent = createHash('sha256');
      const head = new TextEncoder().encode(
        `--big\r\nContent-Disposition: form-data; name="parentId"\r\n\r\n${s.line.rootId ?? ''}\r\n--big\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n`,
      );
      let left = total;
      let headSent = false;
      let tailSent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (!headSent) {
            headSent = true;
            controller.enqueue(head);
          } else if (left > 0) {
            left -= chunk.length;
            sent.update(chunk);
            controller.enqueue(chunk);
          } else if (!tailSent) {
            tailSent = true;
            controller.enqueue(new TextEncoder().encode('\r\n--big--\r\n'));
          } else controller.close();
        },
      });
      const up = await fetch(`${url}/api/v3/documents?collisionStrategy=fail`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'multipart/form-data; boundary=big' },
        body,
        duplex: 'half',
      } as RequestInit);
      assert.equal(up.status, 201, await up.clone().text());
      const doc = (await up.json()) as { id: string; size: number };
      assert.equal(doc.size, total);
      const down = await fetch(`${url}/api/v1/documents/${doc.id}/content`, { headers: { Authorization: `Bearer ${bearer}` } });
      const got = createHash('sha256');
      let size = 0;
      for await (const c of down.body as unknown as AsyncIterable<Uint8Array>) {
        got.update(c);
        size += c.length;
      }
      assert.equal(size, total);
      const digest = sent.digest('hex');
      assert.equal(got.digest('hex'), digest);
      const state = (await (await fetch(`${url}/_sim/state`)).json()) as { documents: { id: string; sha256: string }[] };
      assert.equal(state.documents.find((d) => d.id === doc.id)?.sha256, digest);
      const stats = (await (await fetch(`${url}/_sim/stats`)).json()) as { rss: number };
      assert.ok(stats.rss < 150 * 1024 * 1024, `simulator RSS ${Math.round(stats.rss / 1048576)} MiB after 200 MiB up and down`);
    } finally {
      await stopSimCli(s);
    }
  });
});
