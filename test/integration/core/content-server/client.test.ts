/** The Content Server client against the real simulator over HTTP. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ContentServerClient, type ContentServerClientOptions } from '../../../../src/core/content-server';
import { FileBridgeError } from '../../../../src/core/errors';
import { startContentServerSim, type ContentServerSim } from '../../../../dev/sim/content-server';
import { losingFirstAnswer, losingFirstCreateAnswer } from '../../../support/cs-answer-proxy';

const FAST_RETRY = { retries: 6, baseMs: 5, maxMs: 50 };

function text(s: string): () => Readable {
  return () => Readable.from([Buffer.from(s)]);
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<FileBridgeError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof FileBridgeError, `expected a FileBridgeError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('content-server client against the simulator', function () {
  let sim: ContentServerSim;
  let client: ContentServerClient;
  const connect = (extra: Partial<ContentServerClientOptions> = {}): ContentServerClient =>
    new ContentServerClient({
      baseUrl: `${sim.url}/otcs/cs.exe`,
      auth: { kind: 'password', username: 'Admin', password: 'livelink' },
      retry: FAST_RETRY,
      ...extra,
    });

  before(async () => {
    sim = await startContentServerSim();
    client = connect();
  });
  after(async () => {
    await sim.stop();
  });
  afterEach(() => {
    sim.setFaults({ errorRate: 0, failNext: 0, latencyMs: 0, dropUploadRate: 0 });
  });

  describe('authentication', () => {
    it('logs in with username and password and adopts renewed tickets', async () => {
      const c = connect();
      assert.deepEqual(await c.whoami(), { id: 1000, name: 'Admin' });
      const first = await c.http.keeper.ticket();
      await c.whoami();
      assert.equal(c.http.keeper.logins, 1);
      assert.notEqual(await c.http.keeper.ticket(), first, 'the renewed ticket from the response header is used');
      assert.equal((await c.whoami()).name, 'Admin');
    });

    it('closes without logging in when it never logged in, also when the server is unreachable', async () => {
      const c = connect();
      await c.close();
      assert.equal(c.http.keeper.logins, 0, 'no login just to log out');
      assert.equal(c.http.stats.requests, 0);
      // A connection node whose server is down (or never used) closes at once: Node-RED gives a node 15 s.
      const down = new ContentServerClient({ baseUrl: 'http://127.0.0.1:1/api', auth: { kind: 'password', username: 'Admin', password: 'x' } });
      await down.close();
      assert.equal(down.http.stats.requests + down.http.stats.retries, 0, 'no login attempts against the unreachable server');
      // One that did log in still ends its session.
      const used = connect();
      await used.whoami();
      await used.close();
      assert.equal(used.http.keeper.holdsTicket(), false);
    });

    it('pings without logging in', async () => {
      const c = connect();
      const ping = await c.ping();
      assert.equal(typeof ping.version, 'string');
      assert.equal(c.http.keeper.logins, 0);
    });

    it('reports wrong credentials as AUTHENTICATION without retrying', async () => {
      const c = connect({ auth: { kind: 'password', username: 'Admin', password: 'nope' } });
      await rejectsWith(c.whoami(), 'AUTHENTICATION', /Invalid username\/password/);
      assert.equal(c.http.stats.retries, 0);
    });

    it('uses a pre-issued ticket and says clearly when it is refused', async () => {
      const issuer = connect();
      const ticket = await issuer.http.keeper.ticket();
      const c = connect({ auth: { kind: 'ticket', ticket } });
      assert.equal((await c.whoami()).id, 1000);
      sim.expireTickets();
      await rejectsWith(c.whoami(), 'AUTHENTICATION', /pre-issued/);
    });

    it('shares one re-authentication among concurrent requests after the tickets expire', async () => {
      const c = connect();
      await c.whoami();
      sim.expireTickets();
      const answers = await Promise.all(Array.from({ length: 20 }, () => c.getNode(2000)));
      assert.ok(answers.every((n) => n.id === 2000 && n.type === 141));
      assert.equal(c.http.keeper.logins, 2, 'one login at start, one after the expiry');
    });

    it('keeps 100 uploads going through repeated ticket expiry, one re-login per expiry', async () => {
      const c = connect();
      const folder = await c.resolveFolder('Enterprise:Tests/expiry', { create: true });
      for (let i = 0; i < 100; i++) {
        if (i % 25 === 10) sim.expireTickets();
        const r = await c.upload({ target: folder, name: `f${i}.txt`, open: text(`file ${i}`) });
        assert.equal(r.action, 'created');
      }
      assert.equal(c.http.keeper.logins, 5);
    });
  });

  describe('retries', () => {
    it('survives 20 % 503/502/HTML answers on reads, folder creation and uploads', async () => {
      const c = connect();
      await c.whoami();
      sim.setFaults({ errorRate: 0.2 });
      const folder = await c.resolveFolder('Enterprise:Tests/flaky', { create: true });
      for (let i = 0; i < 30; i++) {
        const r = await c.upload({ target: folder, name: `doc${i}.txt`, open: text(`content ${i}`) });
        assert.equal(r.action, 'created');
      }
      sim.setFaults({ errorRate: 0 });
      assert.ok(c.http.stats.retries > 0, 'some answers were injected failures');
      const got = await c.download((await c.nodes.findChild(folder, 'doc29.txt'))!.id);
      assert.equal(await readText(got.stream), 'content 29');
    });

    it('gives up on a server that keeps failing, with a retryable CONNECTION error', async () => {
      const c = connect({ retry: { retries: 2, baseMs: 1, maxMs: 2 } });
      await c.whoami();
      sim.setFaults({ failNext: 10 });
      const e = await rejectsWith(c.getNode(2000), 'CONNECTION');
      assert.equal(e.retryable, true);
      assert.equal(c.http.stats.retries, 2);
    });

    it('does not retry business errors', async () => {
      const c = connect();
      await rejectsWith(c.getNode(987654), 'NOT_FOUND', /Could not get a node/);
      await rejectsWith(c.download(987654), 'NOT_FOUND', /could not be accessed/);
      await rejectsWith(c.http.json({ method: 'GET', path: '/v2/nodes/2000/nodes', query: { sort: 'sideways' } }), 'CS_REJECTED');
      await rejectsWith(c.http.json({ method: 'GET', path: '/v2/no/such/route' }), 'CS_REJECTED', /mappings registry/);
      assert.equal(c.http.stats.retries, 0);
    });
  });

  describe('paths', () => {
    it('resolves Enterprise:, id: and bare ids, and refuses unknown roots and ..', async () => {
      assert.equal(await client.resolveFolder('Enterprise:Partners/ACME'), 2101);
      assert.equal(await client.resolveFolder('enterprise:/partners//acme/'), 2101, 'case-insensitive, extra slashes ignored');
      assert.equal(await client.resolveFolder('2100:Globex'), 2102);
      assert.equal(await client.resolveFolder('2100'), 2100);
      assert.equal(await client.resolveFolder(2000), 2000);
      await rejectsWith(client.resolveFolder('Personal:x'), 'INVALID_INPUT');
      await rejectsWith(client.resolveFolder('Enterprise:Partners/../x'), 'INVALID_INPUT');
      await rejectsWith(client.resolveFolder('Enterprise:Partners/Nobody'), 'NOT_FOUND', /No 'Nobody' in/);
    });

    it('creates missing folders on request and caches what it found', async () => {
      const c = connect();
      const id = await c.resolveFolder('Enterprise:Partners/ACME/2026/Q1', { create: true });
      const q1 = await c.getNode(id);
      assert.equal(q1.name, 'Q1');
      const y = await c.getNode(q1.parentId!);
      assert.equal(y.name, '2026');
      assert.equal(y.parentId, 2101);
      const before = c.http.stats.requests;
      assert.equal(await c.resolveFolder('Enterprise:Partners/ACME/2026/Q1'), id);
      assert.equal(c.http.stats.requests, before, 'second resolution comes from the cache');
      // Another client sees the same folders rather than creating twins.
      assert.equal(await connect().resolveFolder('Enterprise:Partners/ACME/2026/Q1', { create: true }), id);
    });

    it('matches exact names although where_name is a substring filter, across pages', async () => {
      const c = connect();
      const base = await c.resolveFolder('Enterprise:Tests/paging', { create: true });
      for (let i = 0; i < 120; i++) await c.nodes.createFolder(base, `aZ${String(i).padStart(3, '0')}`);
      await c.nodes.createFolder(base, 'Z-old');
      const z = await c.nodes.createFolder(base, 'Z');
      // 122 candidates for "Z"; with asc_name the exact one sits on the second page of 100.
      assert.equal(await connect().resolveFolder(`${base}:z`), z.id);
      const all: string[] = [];
      for await (const n of c.nodes.children(base, { pageSize: 50 })) all.push(n.name);
      assert.equal(all.length, 122);
    });

    it('refuses to walk through a document', async () => {
      const folder = await client.resolveFolder('Enterprise:Tests/notafolder', { create: true });
      await client.upload({ target: folder, name: 'plain.txt', open: text('x') });
      await rejectsWith(client.resolveFolder(`${folder}:plain.txt/deeper`, { create: true }), 'CONFLICT', /not a folder/);
    });
  });

  describe('documents', () => {
    it('creates, then applies each collision policy', async () => {
      const target = 'Enterprise:Tests/collisions';
      const first = await client.upload({ target, createFolders: true, name: 'Report.txt', open: text('v1'), mimeType: 'text/plain' });
      assert.equal(first.action, 'created');
      assert.equal(first.version, 1);

      const versioned = await client.upload({ target, name: 'report.TXT', open: text('v2'), collision: 'add-version' });
      assert.deepEqual([versioned.action, versioned.id, versioned.version, versioned.name], ['versioned', first.id, 2, 'Report.txt']);

      const skipped = await client.upload({ target, name: 'Report.txt', open: text('v2'), collision: 'skip-identical' });
      assert.deepEqual([skipped.action, skipped.version], ['skipped', 2]);
      const sameSizeOther = await client.upload({ target, name: 'Report.txt', open: text('v3'), collision: 'skip-identical' });
      assert.deepEqual([sameSizeOther.action, sameSizeOther.version], ['versioned', 3]);

      const renamed = await client.upload({ target, name: 'Report.txt', open: text('other'), collision: 'rename' });
      assert.deepEqual([renamed.action, renamed.name], ['created', 'Report (2).txt']);
      const renamedAgain = await client.upload({ target, name: 'Report.txt', open: text('other'), collision: 'rename' });
      assert.equal(renamedAgain.name, 'Report (3).txt');

      await rejectsWith(client.upload({ target, name: 'REPORT.txt', open: text('x'), collision: 'fail' }), 'CONFLICT', /already exists/);

      const versions = await client.versions(first.id);
      assert.deepEqual(
        versions.map((v) => v.versionNumber),
        [1, 2, 3],
      );
      assert.equal(await readText((await client.download(first.id)).stream), 'v3');
      const v1 = await client.download(first.id, 1);
      assert.equal(await readText(v1.stream), 'v1');
      assert.equal(v1.filename, 'Report.txt');
    });

    it("checks names as Content Server does before sending anything (no ':', at most 248 characters), and a renamed copy of a 248-character name still fits", async () => {
      const target = 'Enterprise:Tests/long names';
      const long = `${'n'.repeat(244)}.pdf`;
      const first = await client.upload({ target, createFolders: true, name: long, open: text('v1') });
      assert.equal(first.name, long);
      const renamed = await client.upload({ target, name: long, open: text('other'), collision: 'rename' });
      assert.equal(renamed.action, 'created');
      assert.equal(renamed.name, `${'n'.repeat(240)} (2).pdf`);
      assert.equal(renamed.name.length, 248);
      await rejectsWith(client.upload({ target, name: `${long}x`, open: text('x') }), 'INVALID_INPUT', /has 249 characters; Content Server allows 248/);
      await rejectsWith(
        client.upload({ target, name: 'Invoice 10:30.pdf', open: text('x') }),
        'INVALID_INPUT',
        /contains ':', which Content Server does not allow/,
      );
      assert.equal((await client.getNode(renamed.id)).name, renamed.name, 'stored under the fitted name');
    });

    it('keeps external dates, renames and moves (collisions are CONFLICT), deletes', async () => {
      const from = await client.resolveFolder('Enterprise:Tests/moves/from', { create: true });
      const to = await client.resolveFolder('Enterprise:Tests/moves/to', { create: true });
      const made = new Date('2024-05-06T07:08:09Z');
      const r = await client.upload({
        target: from,
        name: 'm.txt',
        open: text('m'),
        externalCreateDate: made,
        externalModifyDate: made,
        description: 'from partner',
      });
      const node = await client.getNode(r.id);
      assert.equal(node.properties.external_modify_date, '2024-05-06T07:08:09Z');
      assert.equal(node.properties.description, 'from partner');
      await client.upload({ target: to, name: 'M2.txt', open: text('x') });
      assert.equal((await client.nodes.rename(r.id, 'm1.txt')).name, 'm1.txt');
      assert.equal((await client.nodes.move(r.id, to)).parentId, to);
      await rejectsWith(client.nodes.rename(r.id, 'm2.TXT'), 'CONFLICT', /already exists/);
      await client.nodes.delete(r.id);
      await rejectsWith(client.getNode(r.id), 'NOT_FOUND');
    });

    it('recognises the server collision answer when it races another writer', async () => {
      const folder = await client.resolveFolder('Enterprise:Tests/race', { create: true });
      await client.nodes.createDocument(folder, { name: 'race.txt', open: text('theirs') });
      await rejectsWith(client.nodes.createDocument(folder, { name: 'RACE.txt', open: text('ours') }), 'CONFLICT', /already exists/);
    });

    it('re-opens the source for each attempt when uploads are dropped halfway', async () => {
      // 20 uploads at 40 %: none dropped with p = 4e-5, one dropped 13 times in a row with p = 1e-4.
      const c = connect({ retry: { retries: 12, baseMs: 2, maxMs: 20 } });
      const folder = await c.resolveFolder('Enterprise:Tests/dropped', { create: true });
      const body = Buffer.alloc(2 * 1024 * 1024, 'q');
      let opened = 0;
      const dropped = sim.stats().droppedUploads;
      sim.setFaults({ dropUploadRate: 0.4 });
      for (let i = 0; i < 20; i++) {
        const r = await c.upload({ target: folder, name: `big${i}.bin`, open: () => (opened++, Readable.from([body.subarray(0, 1e6), body.subarray(1e6)])) });
        assert.equal(r.action, 'created');
      }
      sim.setFaults({ dropUploadRate: 0 });
      assert.ok(sim.stats().droppedUploads > dropped, 'some uploads were dropped');
      assert.equal(opened, 20 + sim.stats().droppedUploads - dropped, 'one fresh source per attempt');
      const r = (await c.nodes.findChild(folder, 'big19.bin'))!;
      const got = await c.download(r.id);
      assert.equal((await readText(got.stream)).length, body.length);
    });

    it('[volume] uploads 1 GiB of unknown length with flat memory and the exact bytes arrive', async function () {
      this.timeout(180_000);
      const total = 1024 * 1024 * 1024;
      const chunk = Buffer.alloc(256 * 1024);
      for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
      const expected = createHash('sha256');
      for (let s = 0; s < total; s += chunk.length) expected.update(chunk);
      const open = (): Readable => {
        let sent = 0;
        return new Readable({
          read() {
            if (sent >= total) return void this.push(null);
            sent += chunk.length;
            this.push(chunk);
          },
        });
      };
      const before = process.memoryUsage().rss;
      let peak = before;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      let progress = 0;
      try {
        const r = await client.upload({ target: 'Enterprise:Tests/big', createFolders: true, name: 'big.bin', open, onProgress: (n) => (progress = n) });
        assert.equal(progress, total);
        const got = await client.download(r.id);
        const hash = createHash('sha256');
        for await (const c of got.stream as AsyncIterable<Buffer>) hash.update(c);
        assert.equal(hash.digest('hex'), expected.digest('hex'));
        assert.equal(got.size, total);
      } finally {
        clearInterval(timer);
      }
      // The simulator runs in this process too; both must stay far below the file size.
      assert.ok(peak - before < 100 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1e6)} MB`);
    });
  });

  describe('faults the simulator cannot produce (tiny local HTTP servers)', () => {
    let server: Server | undefined;
    afterEach(() => {
      server?.close();
      server?.closeAllConnections();
      server = undefined;
    });
    async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
      server = createServer(handler);
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/otcs/cs.exe/api`;
    }

    it('times out a server that never answers (TIMEOUT, retried, then reported)', async () => {
      let hits = 0;
      const url = await serve(() => void hits++);
      const c = new ContentServerClient({ baseUrl: url, auth: { kind: 'ticket', ticket: 't' }, timeoutMs: 200, retry: { retries: 1, baseMs: 1, maxMs: 2 } });
      await rejectsWith(c.getNode(1), 'TIMEOUT');
      assert.equal(hits, 2);
    });

    it('gives a clear AUTHENTICATION error when tickets from fresh logins are refused twice in a row', async () => {
      let logins = 0;
      const url = await serve((req, res) => {
        if (req.method === 'POST' && req.url?.endsWith('/v1/auth')) {
          logins++;
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ticket: `t${logins}` }));
          return;
        }
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"Authentication Required"}');
      });
      const c = new ContentServerClient({ baseUrl: url, auth: { kind: 'password', username: 'a', password: 'b' }, retry: { retries: 1, baseMs: 1, maxMs: 2 } });
      await rejectsWith(c.getNode(1), 'AUTHENTICATION', /again right after a new login/);
      // The first login, then two more whose tickets were refused at once: a session may end right
      // after a login once (an expiry sweep), not twice.
      assert.equal(logins, 3);
    });

    it('recognises its own create when the answer to it was lost (proxy drops the answer once)', async () => {
      const lose = losingFirstCreateAnswer(sim.url);
      const url = await serve(lose.handler);
      const c = new ContentServerClient({ baseUrl: url, auth: { kind: 'password', username: 'Admin', password: 'livelink' }, retry: FAST_RETRY });
      const folder = await client.resolveFolder('Enterprise:Tests/lost-answer', { create: true });
      const r = await c.upload({ target: folder, name: 'once.txt', open: text('only once'), collision: 'fail' });
      assert.equal(lose.dropped(), 1);
      assert.deepEqual([r.action, r.version], ['created', 1]);
      assert.equal((await client.versions(r.id)).length, 1);
    });

    it('adds one version, not two, when the answer to the version upload was lost', async () => {
      const lose = losingFirstAnswer(sim.url, (path) => /\/v2\/nodes\/\d+\/versions$/.test(path));
      const url = await serve(lose.handler);
      const c = new ContentServerClient({ baseUrl: url, auth: { kind: 'password', username: 'Admin', password: 'livelink' }, retry: FAST_RETRY });
      const folder = await client.resolveFolder('Enterprise:Tests/lost-version-answer', { create: true });
      const first = await client.upload({ target: folder, name: 'twice.txt', open: text('one'), size: 3 });
      const r = await c.upload({ target: folder, name: 'twice.txt', open: text('two!'), size: 4, collision: 'add-version' });
      assert.equal(lose.dropped(), 1);
      assert.deepEqual([r.action, r.id, r.version], ['versioned', first.id, 2]);
      const versions = await client.versions(first.id);
      assert.deepEqual(
        versions.map((v) => [v.versionNumber, v.fileSize]),
        [
          [1, 3],
          [2, 4],
        ],
      );
    });

    it('renews again when the ticket it retried with was adopted from an answer of the expiring session', async () => {
      let logins = 0;
      const valid = new Set<string>();
      const url = await serve((req, res) => {
        const ticket = String(req.headers.otcsticket ?? '');
        const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
          res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
        };
        if (req.method === 'POST') {
          const t = `L${++logins}`;
          valid.add(t);
          return json(200, { ticket: t });
        }
        if (req.url?.endsWith('/fast')) {
          if (!valid.has(ticket)) return json(401, { error: 'Authentication Required' });
          // The session expires right after handing out a renewed ticket.
          json(200, { ok: 'fast' }, { OTCSTicket: 'T2' });
          valid.clear();
          return;
        }
        setTimeout(() => (valid.has(ticket) ? json(200, { ok: 'slow' }) : json(401, { error: 'Authentication Required' })), 100);
      });
      const c = new ContentServerClient({ baseUrl: url, auth: { kind: 'password', username: 'a', password: 'b' }, retry: { retries: 1, baseMs: 1, maxMs: 2 } });
      const [slow, fast] = await Promise.all([c.http.json({ method: 'GET', path: '/v2/slow' }), c.http.json({ method: 'GET', path: '/v2/fast' })]);
      assert.deepEqual([slow, fast], [{ ok: 'slow' }, { ok: 'fast' }]);
      assert.equal(logins, 2);
    });

    it('treats a refused connection as retryable CONNECTION', async () => {
      const url = await serve(() => undefined);
      server!.close();
      server!.closeAllConnections();
      await new Promise((r) => setTimeout(r, 20));
      const c = new ContentServerClient({ baseUrl: url, auth: { kind: 'ticket', ticket: 't' }, retry: { retries: 1, baseMs: 1, maxMs: 2 } });
      const e = await rejectsWith(c.getNode(1), 'CONNECTION');
      assert.equal(e.retryable, true);
    });
  });
});
