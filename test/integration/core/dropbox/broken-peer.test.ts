import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { startDropboxSim, type DropboxSim } from '../../../../dev/sim/dropbox';
import { contentHashOf } from '../../../../src/core/dropbox/content-hash';
import { createDropboxPool } from '../../../../src/core/dropbox/pool';
import { openDropboxSession, type DropboxSession } from '../../../../src/core/dropbox/session';
import { expectCode } from '../../../support/expect-code';

/**
 * A broken peer in front of the simulator (the simulator itself never lies or stalls a download):
 * it can cut a download's body after some bytes, stall it, or slip hostile names into a listing.
 */
interface Peer {
  url: string;
  cutNextDownloadsAfter: number[];
  stallNextDownload: boolean;
  injectNames: string[];
  /** The next list_folder answer is a JSON body that never ends (40 MiB, then more). */
  hugeListing: boolean;
  /** Routes (e.g. 'files/upload_session/finish') whose next request reaches the simulator, but whose answer is lost: the line breaks instead. */
  loseAnswerOf: string[];
  /** Routes whose next request the line breaks before it reaches the simulator. */
  dropRequestOf: string[];
  /** Awaited when a download is cut, before the line breaks (a partner changing the file meanwhile). */
  onCut?: () => Promise<unknown>;
  downloads: { arg: string; range?: string }[];
  close(): Promise<void>;
}

async function startPeer(target: string): Promise<Peer> {
  const sockets = new Set<import('node:net').Socket>();
  const peer: Peer = {
    url: '',
    cutNextDownloadsAfter: [],
    stallNextDownload: false,
    injectNames: [],
    hugeListing: false,
    loseAnswerOf: [],
    dropRequestOf: [],
    downloads: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const route = req.url ?? '';
    const take = (list: string[]): boolean => {
      const i = list.indexOf(route.replace(/^\/2\//, ''));
      if (i >= 0) list.splice(i, 1);
      return i >= 0;
    };
    if (take(peer.dropRequestOf)) {
      req.socket.destroy();
      return;
    }
    const loseAnswer = take(peer.loseAnswerOf);
    const upstream = request(new URL(route, target), { method: req.method, headers: req.headers }, (up) => {
      if (loseAnswer) {
        // Dropbox did the work; its answer never arrives.
        up.resume();
        up.on('end', () => req.socket.destroy());
        return;
      }
      if (route === '/2/files/download' && up.statusCode !== undefined && up.statusCode < 300) {
        peer.downloads.push({ arg: String(req.headers['dropbox-api-arg']), range: req.headers.range });
        const cut = peer.cutNextDownloadsAfter.shift();
        const stall = peer.stallNextDownload;
        peer.stallNextDownload = false;
        res.writeHead(up.statusCode, up.headers);
        res.flushHeaders();
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          if (stall) return; // the headers came, the bytes never do
          if (cut !== undefined && sent + chunk.length >= cut) {
            res.write(chunk.subarray(0, cut - sent));
            sent = cut;
            up.destroy();
            const hook = peer.onCut;
            peer.onCut = undefined;
            void (hook ? hook() : Promise.resolve()).finally(() => res.socket?.destroy());
            return;
          }
          sent += chunk.length;
          res.write(chunk);
        });
        up.on('end', () => {
          if (!stall) res.end();
        });
        return;
      }
      if (route === '/2/files/list_folder' && peer.hugeListing) {
        peer.hugeListing = false;
        up.resume();
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"entries": [');
        const entry = Buffer.from(`${JSON.stringify({ '.tag': 'folder', name: 'x'.repeat(200), id: 'id:x' })},`.repeat(1000));
        let sent = 0;
        const more = (): void => {
          while (sent < 40 * 1024 * 1024 && !res.destroyed) {
            sent += entry.length;
            if (!res.write(entry)) return void res.once('drain', more);
          }
          res.destroy();
        };
        more();
        return;
      }
      if (route === '/2/files/list_folder' && peer.injectNames.length > 0) {
        const parts: Buffer[] = [];
        up.on('data', (c: Buffer) => parts.push(c));
        up.on('end', () => {
          const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { entries: unknown[] };
          for (const name of peer.injectNames) {
            body.entries.push({
              '.tag': 'file',
              name,
              id: 'id:evil',
              path_lower: `/${name}`,
              path_display: `/${name}`,
              rev: '0123456789',
              size: 1,
              server_modified: '2026-01-01T00:00:00Z',
              client_modified: '2026-01-01T00:00:00Z',
            });
          }
          const text = JSON.stringify(body);
          res.writeHead(up.statusCode ?? 200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
          res.end(text);
        });
        return;
      }
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return peer;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe('DropboxSession with a broken peer: cut and stalled downloads, hostile names', function () {
  this.timeout(60_000);
  let sim: DropboxSim;
  let peer: Peer;
  let session: DropboxSession;
  const data = randomBytes(3 * 1024 * 1024 + 17);

  before(async () => {
    sim = await startDropboxSim({ port: 0 });
    peer = await startPeer(sim.url);
    session = await openDropboxSession({
      appKey: sim.appKey,
      refreshToken: sim.refreshToken,
      serviceUrl: peer.url,
      idleTimeoutMs: 1500,
      connectTimeoutMs: 5000,
      retryBaseMs: 10,
    });
    await session.write('/peer/file.bin', Readable.from([data]));
  });
  after(async () => {
    await session?.close();
    await peer?.close();
    await sim?.stop();
  });

  it('a download cut off mid-way resumes with Range on the same rev and delivers every byte once', async () => {
    peer.downloads.length = 0;
    peer.cutNextDownloadsAfter = [1_000_000, 1_000_000];
    const back = await readAll(await session.createReadStream('/peer/file.bin'));
    assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(data).digest('hex'));
    assert.equal(peer.downloads.length, 3);
    for (const d of peer.downloads) assert.deepEqual(JSON.parse(d.arg), { path: '/peer/file.bin' });
    // Each resume asks from the first byte that had not arrived (bytes in flight when the line broke are lost, so at or before the cut).
    const starts = peer.downloads.map((d) => (d.range === undefined ? 0 : Number(/^bytes=(\d+)-$/.exec(d.range)?.[1])));
    assert.equal(starts[0], 0);
    assert.equal(peer.downloads[0].range, undefined);
    assert.ok(starts[1] > 0 && starts[1] <= 1_000_000, String(starts));
    assert.ok(starts[2] > starts[1] && starts[2] <= starts[1] + 1_000_000, String(starts));
  });

  it('a download cut off while the file changes does not splice two versions: CONNECTION', async () => {
    await session.write('/peer/changing.bin', Readable.from([data]));
    peer.cutNextDownloadsAfter = [1_000_000];
    peer.onCut = () => sim.putFile('/peer/changing.bin', randomBytes(data.length), { mode: 'overwrite' });
    const stream = await session.createReadStream('/peer/changing.bin');
    await expectCode(readAll(stream), 'CONNECTION', /changed/);
  });

  it('a download cut off four times fails with CONNECTION instead of ending short', async () => {
    peer.downloads.length = 0;
    peer.cutNextDownloadsAfter = [200_000, 200_000, 200_000, 200_000];
    const stream = await session.createReadStream('/peer/file.bin');
    await expectCode(readAll(stream), 'CONNECTION', /broke off/);
    assert.equal(peer.downloads.length, 4);
  });

  it('a download whose bytes stop coming fails with TIMEOUT after the idle timeout', async () => {
    peer.stallNextDownload = true;
    const stream = await session.createReadStream('/peer/file.bin');
    const started = Date.now();
    await expectCode(readAll(stream), 'TIMEOUT', /stalled/);
    assert.ok(Date.now() - started >= 1400);
  });

  it('an RPC answer that never ends is cut at 32 MiB and fails with CONNECTION, once (not retried)', async () => {
    peer.hugeListing = true;
    const rss = process.memoryUsage().rss;
    await expectCode(session.list('/peer'), 'CONNECTION', /larger than/);
    assert.ok(process.memoryUsage().rss - rss < 200 * 1024 * 1024);
    assert.equal(peer.hugeListing, false);
    assert.equal((await session.list('/peer')).length, 2);
  });

  it('listed names that are not one entry of the folder are left out and reported', async () => {
    peer.injectNames = ['../../etc/passwd', 'a/b.txt', '..', 'nul\0.txt'];
    const refused: string[] = [];
    try {
      const entries = await session.list('/peer', (name) => refused.push(name));
      assert.deepEqual(entries.map((e) => e.name).sort(), ['changing.bin', 'file.bin']);
      assert.deepEqual(refused, peer.injectNames);
    } finally {
      peer.injectNames = [];
    }
  });
});

describe('DropboxSession commits whose answer is lost: looked up by content_hash, never done twice', function () {
  this.timeout(60_000);
  let sim: DropboxSim;
  let peer: Peer;
  let session: DropboxSession;
  const MiB = 1024 * 1024;
  const commits = (route: string): number => sim.stats().byRoute[route] ?? 0;

  beforeEach(async () => {
    sim = await startDropboxSim({ port: 0 });
    peer = await startPeer(sim.url);
    session = await openDropboxSession({
      appKey: sim.appKey,
      refreshToken: sim.refreshToken,
      serviceUrl: peer.url,
      chunkSize: 4 * MiB,
      connectTimeoutMs: 5000,
      retryBaseMs: 10,
    });
  });
  afterEach(async () => {
    await session?.close();
    await peer?.close();
    await sim?.stop();
  });

  it('an upload session finish that Dropbox did but whose answer was lost: the file arrives once, whole, with one rev', async () => {
    const data = randomBytes(9 * MiB + 3);
    peer.loseAnswerOf = ['files/upload_session/finish'];
    assert.equal(await session.write('/lost/finish.bin', Readable.from([data])), data.length);
    assert.deepEqual(peer.loseAnswerOf, [], 'the answer of the finish was lost');
    assert.equal(commits('files/upload_session/finish'), 1, 'the finish was not sent again');
    const entry = sim.entry('/lost/finish.bin');
    assert.equal(entry?.content_hash, contentHashOf(data));
    assert.equal(entry?.size, data.length);
    assert.equal((await session.stat('/lost/finish.bin'))?.rev, entry?.rev);
    assert.equal((await session.list('/lost')).length, 1);
  });

  it('a finish that never reached Dropbox: the lookup finds nothing, the finish is sent again and the file arrives whole', async () => {
    const data = randomBytes(5 * MiB);
    peer.dropRequestOf = ['files/upload_session/finish'];
    assert.equal(await session.write('/lost/never.bin', Readable.from([data])), data.length);
    assert.deepEqual(peer.dropRequestOf, []);
    assert.equal(commits('files/upload_session/finish'), 1);
    assert.equal(sim.entry('/lost/never.bin')?.content_hash, contentHashOf(data));
  });

  it('a small files/upload whose answer was lost, over an older version: committed once, the new bytes are there', async () => {
    await sim.putFile('/lost/small.txt', 'old version');
    const data = randomBytes(3000);
    peer.loseAnswerOf = ['files/upload'];
    const uploadsBefore = commits('files/upload');
    const file = await session.upload('/lost/small.txt', Readable.from([data]));
    assert.equal(commits('files/upload') - uploadsBefore, 1);
    assert.equal(file.rev, sim.entry('/lost/small.txt')?.rev);
    assert.equal(sim.entry('/lost/small.txt')?.content_hash, contentHashOf(data));
  });

  it('a batch commit whose answer was lost: every file is looked up and found, none committed twice', async () => {
    const pool = createDropboxPool({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: peer.url, retryBaseMs: 10 }, { size: 3 });
    try {
      const files = [0, 1, 2].map((i) => ({ path: `/lost/batch-${i}.txt`, data: randomBytes(1000 + i) }));
      peer.loseAnswerOf = ['files/upload_session/finish_batch_v2'];
      await Promise.all(
        files.map(async (f) => {
          const lease = await pool.acquire();
          try {
            assert.equal(await lease.session.write(f.path, Readable.from([f.data])), f.data.length);
          } finally {
            lease.release();
          }
        }),
      );
      assert.deepEqual(peer.loseAnswerOf, []);
      assert.equal(commits('files/upload_session/finish_batch_v2'), 1);
      for (const f of files) assert.equal(sim.entry(f.path)?.content_hash, contentHashOf(f.data));
    } finally {
      await pool.close();
    }
  });

  it('a lost answer when other bytes are at the target: the commit is sent again rather than taken as done', async () => {
    const data = randomBytes(3000);
    await sim.putFile('/lost/other.txt', 'someone else');
    peer.dropRequestOf = ['files/upload'];
    await session.write('/lost/other.txt', Readable.from([data]));
    assert.equal(sim.entry('/lost/other.txt')?.content_hash, contentHashOf(data));
  });
});
