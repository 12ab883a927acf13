import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { startDropboxSim, type DropboxSim } from '../../../../dev/sim/dropbox';
import { contentHashOf } from '../../../../src/core/dropbox/content-hash';
import { openDropboxSession, type DropboxSession } from '../../../../src/core/dropbox/session';

const MiB = 1024 * 1024;
const CHUNK = 4 * MiB;

/** `data` as a stream of irregular pieces (a source of unknown length whose pieces cross chunk boundaries). */
function pieces(data: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) parts.push(data.subarray(at, at + size));
  return Readable.from(parts);
}

describe('Dropbox uploads at chunk boundaries, and reading the next chunk while one is sent', function () {
  this.timeout(120_000);
  let sim: DropboxSim;
  let session: DropboxSession;

  before(async () => {
    sim = await startDropboxSim({ port: 0 });
    session = await openDropboxSession({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url, chunkSize: CHUNK });
  });
  after(async () => {
    await session?.close();
    await sim?.stop();
  });
  afterEach(() => {
    sim.setFaults({ latencyMs: 0 });
  });

  /** Uploads `data` from `source`; the simulator must hold exactly these bytes under the right content_hash. */
  async function roundTrip(name: string, data: Buffer, source: Readable): Promise<Record<string, number>> {
    const before = { ...sim.stats().byRoute };
    const path = `/Chunks/${name}`;
    assert.equal(await session.write(path, source), data.length);
    const entry = sim.entry(path);
    assert.equal(entry?.size, data.length);
    assert.equal(entry?.content_hash, contentHashOf(data));
    const blob = sim.contentFile(path);
    assert.ok(blob);
    assert.ok((await readFile(blob)).equals(data), `the simulator holds other bytes for ${name}`);
    const after = sim.stats().byRoute;
    const calls: Record<string, number> = {};
    for (const route of ['files/upload', 'files/upload_session/start', 'files/upload_session/append_v2', 'files/upload_session/finish']) {
      calls[route] = (after[route] ?? 0) - (before[route] ?? 0);
    }
    return calls;
  }

  it('0 bytes: one files/upload of an empty body', async () => {
    const calls = await roundTrip('empty.bin', Buffer.alloc(0), Readable.from([]));
    assert.deepEqual(calls, { 'files/upload': 1, 'files/upload_session/start': 0, 'files/upload_session/append_v2': 0, 'files/upload_session/finish': 0 });
  });

  it('exactly one chunk, in pieces that do not divide it: the chunk starts a session, finish carries nothing', async () => {
    const data = randomBytes(CHUNK);
    const calls = await roundTrip('one-chunk.bin', data, pieces(data, 1_000_003));
    assert.deepEqual(calls, { 'files/upload': 0, 'files/upload_session/start': 1, 'files/upload_session/append_v2': 0, 'files/upload_session/finish': 1 });
  });

  it('one chunk + 1 byte: the last byte goes with finish', async () => {
    const data = randomBytes(CHUNK + 1);
    const calls = await roundTrip('chunk-plus-one.bin', data, pieces(data, 65_536));
    assert.deepEqual(calls, { 'files/upload': 0, 'files/upload_session/start': 1, 'files/upload_session/append_v2': 0, 'files/upload_session/finish': 1 });
  });

  it('one chunk - 1 byte: one files/upload', async () => {
    const data = randomBytes(CHUNK - 1);
    const calls = await roundTrip('chunk-minus-one.bin', data, pieces(data, 3 * MiB));
    assert.deepEqual(calls, { 'files/upload': 1, 'files/upload_session/start': 0, 'files/upload_session/append_v2': 0, 'files/upload_session/finish': 0 });
  });

  it('unknown length, one piece larger than two chunks and odd pieces after it: every chunk whole, the rest with finish', async () => {
    const data = randomBytes(3 * CHUNK + 12_345);
    const source = Readable.from([
      data.subarray(0, 2 * CHUNK + 7),
      ...[...Array(12).keys()].map((i) => data.subarray(2 * CHUNK + 7 + i * 350_000, i === 11 ? undefined : 2 * CHUNK + 7 + (i + 1) * 350_000)),
    ]);
    const calls = await roundTrip('unknown-length.bin', data, source);
    assert.deepEqual(calls, { 'files/upload': 0, 'files/upload_session/start': 1, 'files/upload_session/append_v2': 2, 'files/upload_session/finish': 1 });
  });

  it('reads chunk N+1 from the source while chunk N is on its way, and never more than two chunks ahead of what Dropbox has', async () => {
    // Each request waits 400 ms at the simulator before it is read: time enough to read the next chunk meanwhile.
    sim.setFaults({ latencyMs: 400 });
    const total = 4 * CHUNK + 100;
    const data = randomBytes(total);
    let produced = 0;
    let sent = 0;
    let requestInFlight = false;
    let readWhileSending = 0;
    let mostAhead = 0;
    const source = new Readable({
      highWaterMark: 256 * 1024,
      read() {
        if (produced >= total) return void this.push(null);
        if (requestInFlight) readWhileSending++;
        const n = Math.min(256 * 1024, total - produced);
        this.push(data.subarray(produced, produced + n));
        produced += n;
        mostAhead = Math.max(mostAhead, produced - sent);
      },
    });
    const watch =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>, size: (...args: A) => number) =>
      async (...args: A): Promise<R> => {
        requestInFlight = true;
        try {
          return await fn(...args);
        } finally {
          requestInFlight = false;
          sent += size(...args);
        }
      };
    const s = session as unknown as Record<'startSession' | 'appendChunk', (...args: unknown[]) => Promise<unknown>>;
    const start = s.startSession;
    const append = s.appendChunk;
    s.startSession = watch(start.bind(session), (data) => (data as { length: number }).length);
    s.appendChunk = watch(append.bind(session), (_id, _offset, data) => (data as { length: number }).length);
    try {
      await roundTrip('overlap.bin', data, source);
    } finally {
      s.startSession = start;
      s.appendChunk = append;
    }
    assert.ok(readWhileSending >= CHUNK / (256 * 1024), `only ${readWhileSending} source reads happened while a chunk was being sent`);
    assert.ok(mostAhead <= 2 * CHUNK + 512 * 1024, `the source was read ${mostAhead} bytes ahead of what Dropbox had`);
  });
});
