/**
 * The File 360 client against the strict simulator (dev/sim/file360): every route, ids above 2^53,
 * tokens ending before and during uploads, 429 storms, 5xx and dropped uploads, collisions under each
 * strategy, paging, sharing by name, and no secret in any error text.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../../../../src/core/errors';
import { openFile360Client, testFile360Connection, type File360Client, type File360Options } from '../../../../src/core/file360';
import { expectCode } from '../../../support/expect-code';
import { f360ClientOptions, QUICK_RETRIES, useFile360Sim, type UsedFile360Sim } from '../../../support/file360-sim';

const TWO_53 = 2n ** 53n;

function optionsOf(used: UsedFile360Sim, extra: Partial<File360Options> = {}): File360Options {
  return f360ClientOptions(used.sim, { ...QUICK_RETRIES, ...extra });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** A stream of `chunks` chunks of `size` bytes, one every `delayMs`, calling `onHalf` once halfway. */
function slowStream(data: Buffer, chunk: number, delayMs: number, onHalf?: () => void): Readable {
  let offset = 0;
  let halfDone = false;
  return new Readable({
    read() {
      if (offset >= data.length) return void this.push(null);
      setTimeout(() => {
        if (!halfDone && offset >= data.length / 2) {
          halfDone = true;
          onHalf?.();
        }
        const part = data.subarray(offset, offset + chunk);
        offset += part.length;
        this.push(part);
      }, delayMs);
    },
  });
}

function docsIn(used: UsedFile360Sim, folderId: string): { id: string; name: string; sha256: string; size: number }[] {
  return used.sim.state().documents.filter((d) => d.parentId === folderId);
}

describe('file360 client against the simulator', function () {
  this.timeout(60_000);
  const used = useFile360Sim();
  let client: File360Client;

  let seq = 0;
  /** A new folder under the root (created through the client), so tests do not see each other's documents. */
  const fresh = async (): Promise<string> => (await client.createFolder(used.sim.rootId, `c${++seq}-${Date.now()}`)).id;

  beforeEach(() => {
    client = openFile360Client(optionsOf(used));
  });
  afterEach(() => client.close());

  describe('sign-in and the user', () => {
    it('password grant: users/me gives the user and root ids as exact strings above 2^53', async () => {
      const me = await client.me();
      assert.equal(me.id, used.sim.userId);
      assert.equal(me.rootId, used.sim.rootId);
      assert.ok(BigInt(me.rootId) > TWO_53, me.rootId);
      assert.equal(typeof me.rootId, 'string');
    });

    it('client credentials grant (no user name) signs in too', async () => {
      const c = openFile360Client(optionsOf(used, { username: undefined, password: undefined }));
      try {
        assert.ok((await c.me()).rootId);
      } finally {
        c.close();
      }
    });

    it('Test connection shows the user and resolves the root folder path without creating it', async () => {
      const report = await testFile360Connection(optionsOf(used), 'Suppliers/ACME');
      assert.equal(report.rootId, used.sim.rootId);
      assert.match(report.user, /Sam Simmons|sim\.user/);
      assert.deepEqual(report.folder, { path: 'Suppliers/ACME', id: used.sim.seeded.ACME });
      await expectCode(testFile360Connection(optionsOf(used), 'Suppliers/Nope'), 'NOT_FOUND');
      assert.equal(used.sim.folderAt('/Suppliers/Nope'), undefined);
    });

    it('a wrong secret or password is AUTHENTICATION, and no error text carries a secret or token', async () => {
      const texts: string[] = [];
      for (const bad of [{ clientSecret: 'wrong-secret-123' }, { password: 'wrong-password-456' }]) {
        const c = openFile360Client(optionsOf(used, bad));
        const e = await expectCode(c.me(), 'AUTHENTICATION');
        texts.push(e.message, JSON.stringify(e.details), String(e.stack));
        c.close();
      }
      // A token the server refuses on every call (expired twice): still no token in the text.
      const c = openFile360Client(optionsOf(used));
      await c.me();
      const token = await c.tokens.get();
      used.sim.setFaults({ tokenTtlSeconds: 0 });
      used.sim.expireTokens();
      const e = await expectCode(c.document('1'), 'AUTHENTICATION');
      texts.push(e.message, JSON.stringify(e.details));
      c.close();
      for (const secret of ['wrong-secret-123', 'wrong-password-456', used.sim.clientSecret, used.sim.password, token]) {
        for (const t of texts) assert.ok(!t.includes(secret), `a secret in: ${t}`);
      }
    });
  });

  describe('folders by path', () => {
    it('resolves Suppliers/ACME by exact names; another case is not the same folder', async () => {
      assert.equal((await client.resolveFolder('Suppliers/ACME')).id, used.sim.seeded.ACME);
      assert.equal((await client.resolveFolder('/Suppliers/ACME/')).id, used.sim.seeded.ACME);
      await expectCode(client.resolveFolder('suppliers/acme'), 'NOT_FOUND', /suppliers/);
    });

    it('creates missing folders on request, once: resolving again finds the same ids', async () => {
      const a = await client.resolveFolder('Suppliers/ACME/2026/Q1', { create: true });
      const sim = used.sim.folderAt('/Suppliers/ACME/2026/Q1');
      assert.equal(sim?.id, a.id);
      assert.ok(BigInt(a.id) > TWO_53);
      const again = await client.resolveFolder('Suppliers/ACME/2026/Q1', { create: true });
      assert.equal(again.id, a.id);
      assert.equal(used.sim.state().folders.filter((f) => f.path === '/Suppliers/ACME/2026').length, 1);
    });

    it('a document where a folder is needed is CONFLICT; bad names are INVALID_INPUT', async () => {
      const folder = await fresh();
      await used.sim.putFile(folder, 'Blocker', 'x');
      const path = used.sim
        .state()
        .folders.find((f) => f.id === folder)
        ?.path.slice(1) as string;
      await expectCode(client.resolveFolder(`${path}/Blocker/x`, { create: true }), 'CONFLICT', /Blocker/);
      await expectCode(client.resolveFolder('Suppliers/../Audit'), 'INVALID_INPUT');
    });
  });

  describe('listing', () => {
    it('a folder with more children than one page is read whole, each once, ids exact', async () => {
      const folder = await fresh();
      for (let i = 0; i < 230; i++) await used.sim.putFile(folder, `f${String(i).padStart(3, '0')}.txt`, `n${i}`);
      const before = used.sim.stats().byRoute['GET /api/v1/folders/{id}/children'] ?? 0;
      const got = [];
      for await (const r of client.listChildren(folder)) got.push(r);
      const pages = (used.sim.stats().byRoute['GET /api/v1/folders/{id}/children'] ?? 0) - before;
      assert.equal(got.length, 230);
      assert.equal(new Set(got.map((r) => r.id)).size, 230);
      const expected = new Map(docsIn(used, folder).map((d) => [d.id, d.name]));
      for (const r of got) {
        assert.equal(expected.get(r.id), r.name, `id ${r.id} as the simulator has it`);
        assert.ok(BigInt(r.id) > TWO_53);
      }
      assert.equal(pages, 3, 'pages of 100: 100, 100, 30');
    });

    it('a small page size and a bare-array answer page the same way', async () => {
      const folder = await fresh();
      for (let i = 0; i < 7; i++) await used.sim.putFile(folder, `g${i}.txt`, 'x');
      used.sim.setFaults({ childrenAsArray: true });
      const names = [];
      for await (const r of client.listChildren(folder, { pageSize: 3, order: 'name:asc' })) names.push(r.name);
      assert.deepEqual(names.sort(), ['g0.txt', 'g1.txt', 'g2.txt', 'g3.txt', 'g4.txt', 'g5.txt', 'g6.txt']);
    });
  });

  describe('documents', () => {
    it('upload (Content-Length known), metadata, download with its name, move, delete', async () => {
      const folder = await fresh();
      const other = await fresh();
      const data = randomBytes(300_000);
      const doc = await client.upload(folder, 'Prüfbericht "Q1".pdf', Readable.from([data]), { size: data.length, collision: 'fail' });
      assert.equal(doc.kind, 'document');
      assert.equal(doc.size, data.length);
      assert.ok(BigInt(doc.id) > TWO_53);
      const inSim = docsIn(used, folder);
      assert.deepEqual(
        inSim.map((d) => [d.id, d.name, d.sha256]),
        [[doc.id, 'Prüfbericht "Q1".pdf', sha(data)]],
      );
      assert.equal((await client.document(doc.id)).name, 'Prüfbericht "Q1".pdf');
      const down = await client.download(doc.id);
      assert.equal(down.name, 'Prüfbericht "Q1".pdf');
      assert.equal(down.size, data.length);
      assert.equal(sha(await readAll(down.stream)), sha(data));
      await client.move(doc.id, other);
      assert.equal(docsIn(used, other)[0]?.id, doc.id);
      assert.equal(docsIn(used, folder).length, 0);
      await client.delete(doc.id);
      assert.equal(docsIn(used, other).length, 0);
      assert.ok(used.sim.state().trash.some((t) => t.id === doc.id));
      await expectCode(client.document(doc.id), 'NOT_FOUND');
    });

    it('upload of unknown size (chunked) from a factory; a folder deleted to the trash', async () => {
      const folder = await fresh();
      const doc = await client.upload(folder, 'a.txt', () => Readable.from([Buffer.from('abc'), Buffer.from('def')]), { collision: 'fail' });
      assert.equal(docsIn(used, folder)[0]?.sha256, sha('abcdef'));
      assert.equal(doc.name, 'a.txt');
      await client.delete(folder, { kind: 'folder' });
      assert.equal(
        used.sim.state().folders.find((f) => f.id === folder),
        undefined,
      );
    });

    it('a name collision under each strategy: overwrite replaces, rename keeps both, fail is CONFLICT and changes nothing', async () => {
      const folder = await fresh();
      const first = await client.upload(folder, 'r.csv', Readable.from([Buffer.from('v1')]), { size: 2, collision: 'fail' });
      const over = await client.upload(folder, 'r.csv', Readable.from([Buffer.from('v2!')]), { size: 3, collision: 'overwrite' });
      assert.equal(docsIn(used, folder).length, 1);
      assert.equal(docsIn(used, folder)[0].sha256, sha('v2!'));
      assert.equal(over.name, 'r.csv');
      void first;
      const renamed = await client.upload(folder, 'r.csv', Readable.from([Buffer.from('v3')]), { size: 2, collision: 'rename' });
      assert.notEqual(renamed.name, 'r.csv');
      assert.deepEqual(
        docsIn(used, folder)
          .map((d) => d.name)
          .sort(),
        ['r.csv', renamed.name].sort(),
      );
      const before = used.sim.stats().byRoute['POST /api/v3/documents'];
      const e = await expectCode(client.upload(folder, 'r.csv', Readable.from([Buffer.from('v4')]), { size: 2, collision: 'fail' }), 'CONFLICT');
      assert.equal(used.sim.stats().byRoute['POST /api/v3/documents'], before + 1, 'a 409 is not retried');
      assert.equal(e.details.status, 409);
      assert.equal(docsIn(used, folder).find((d) => d.name === 'r.csv')?.sha256, sha('v2!'));
    });

    it('4xx business errors are not retried: an unknown parent is NOT_FOUND after one request', async () => {
      await client.me();
      const before = used.sim.stats().requests;
      await expectCode(client.upload('2599466250228733940', 'x.txt', Readable.from([Buffer.from('x')]), { size: 1, collision: 'fail' }), 'NOT_FOUND');
      assert.equal(used.sim.stats().requests - before, 1);
      await expectCode(client.upload('1', 'a/b', Readable.from([]), { collision: 'fail' }), 'INVALID_INPUT');
    });

    it('a source shorter than its size is INVALID_INPUT and stores nothing', async () => {
      const folder = await fresh();
      await expectCode(client.upload(folder, 's.txt', Readable.from([Buffer.from('abc')]), { size: 10, collision: 'fail' }), 'INVALID_INPUT', /3 of the 10/);
      assert.equal(docsIn(used, folder).length, 0);
    });
  });

  describe('tokens', () => {
    it('tokens refused before an upload: one shared renewal, the stream sent again from the start', async () => {
      const folder = await fresh();
      await client.me();
      used.sim.expireTokens();
      const data = randomBytes(3 * 1024 * 1024);
      const issued = used.sim.stats().tokensIssued;
      const results = await Promise.all([
        client.upload(folder, 'one.bin', Readable.from([data.subarray(0, 1_000_000), data.subarray(1_000_000)]), { size: data.length, collision: 'fail' }),
        client.listChildren(folder).next(),
        client.document('1').catch((e: unknown) => e),
      ]);
      assert.equal(used.sim.stats().tokensIssued - issued, 1, 'three calls refused with one token share one renewal');
      assert.equal(results[0].size, data.length);
      assert.equal(docsIn(used, folder).find((d) => d.name === 'one.bin')?.sha256, sha(data));
    });

    it('a token expiring mid-upload: the upload completes whole, the next call renews once', async () => {
      const folder = await fresh();
      const data = randomBytes(2 * 1024 * 1024);
      let expired = false;
      const source = slowStream(data, 64 * 1024, 5, () => {
        used.sim.expireTokens();
        expired = true;
      });
      const doc = await client.upload(folder, 'mid.bin', source, { size: data.length, collision: 'fail' });
      assert.ok(expired);
      assert.equal(docsIn(used, folder).find((d) => d.id === doc.id)?.sha256, sha(data));
      const retries = client.stats.tokenRetries;
      assert.equal((await client.document(doc.id)).id, doc.id);
      assert.equal(client.stats.tokenRetries - retries, 1);
    });

    it('short-lived tokens are renewed before they end (no 401 needed)', async () => {
      used.sim.setFaults({ tokenTtlSeconds: 1 });
      const c = openFile360Client(optionsOf(used));
      try {
        await c.me();
        await new Promise((r) => setTimeout(r, 1000));
        await c.listChildren(used.sim.rootId).next();
        assert.equal(c.stats.tokenRetries, 0);
        assert.equal(c.tokens.requests, 2);
      } finally {
        c.close();
      }
    });
  });

  describe('faults', () => {
    it('a 429 storm: every call waits for Retry-After and succeeds; uploads store one document each', async () => {
      const folder = await fresh();
      used.sim.setFaults({ rateLimitNext: 40, retryAfterSeconds: 0 });
      const data = randomBytes(1024 * 1024);
      const [a, b] = await Promise.all([
        client.upload(folder, 'storm-a.bin', Readable.from([data]), { size: data.length, collision: 'rename' }),
        client.upload(folder, 'storm-b.bin', () => Readable.from([data]), { collision: 'rename' }),
      ]);
      const listed = [];
      for await (const r of client.listChildren(folder)) listed.push(r.name);
      assert.deepEqual(listed.sort(), ['storm-a.bin', 'storm-b.bin']);
      assert.equal(a.size, data.length);
      assert.equal(b.size, data.length);
      assert.ok(client.stats.rateLimited >= 10, `rate limited ${client.stats.rateLimited}`);
      for (const d of docsIn(used, folder)) assert.equal(d.sha256, sha(data));
    });

    it('Retry-After is honoured (seconds)', async () => {
      used.sim.setFaults({ rateLimitNext: 1, retryAfterSeconds: 1 });
      const t0 = Date.now();
      await client.me();
      assert.ok(Date.now() - t0 >= 950, `waited ${Date.now() - t0} ms`);
    });

    it('5xx answers are retried; with rename a 503 (not handled) is retried, a 500 after the whole body is not (no second document)', async () => {
      const folder = await fresh();
      used.sim.setFaults({ failNext: 3, retryAfterSeconds: 0 });
      await client.listChildren(folder).next();
      assert.ok(client.stats.serverErrors >= 3);
      // The simulator alternates 500 and 503 (an even count of injected errors answers 503).
      const next503 = (): boolean => (used.sim.stats().injectedErrors + 1) % 2 === 0;
      if (!next503()) {
        used.sim.setFaults({ failNext: 1 });
        await client.me().catch(() => undefined);
        await client.document('1').catch(() => undefined);
      }
      assert.ok(next503());
      used.sim.setFaults({ failNext: 1, retryAfterSeconds: 0 });
      await client.upload(folder, 'five.txt', Readable.from([Buffer.from('five')]), { size: 4, collision: 'rename' });
      assert.deepEqual(
        docsIn(used, folder).map((d) => d.name),
        ['five.txt'],
      );
      used.sim.setFaults({ failNext: 1 });
      const e = await expectCode(
        client.upload(folder, 'six.txt', Readable.from([Buffer.from('six')]), { size: 3, collision: 'rename' }),
        'CONNECTION',
        /HTTP 500/,
      );
      assert.ok(e.retryable);
      used.sim.setFaults({ failNext: 1 });
      await client.upload(folder, 'six.txt', () => Readable.from([Buffer.from('six')]), { size: 3, collision: 'fail' });
      assert.deepEqual(
        docsIn(used, folder)
          .map((d) => d.name)
          .sort(),
        ['five.txt', 'six.txt'],
      );
    });

    it('an upload whose connection drops halfway is sent again from the start with fail and overwrite (a stream within the kept bound, a factory), not with rename', async () => {
      const folder = await fresh();
      const data = randomBytes(2 * 1024 * 1024);
      const dropped = used.sim.stats().droppedUploads;
      used.sim.setFaults({ dropUploadNext: 1 });
      await client.upload(folder, 'drop-a.bin', Readable.from([data.subarray(0, 1 << 20), data.subarray(1 << 20)]), { size: data.length, collision: 'fail' });
      used.sim.setFaults({ dropUploadNext: 1 });
      await client.upload(folder, 'drop-b.bin', () => Readable.from([data]), { collision: 'overwrite' });
      used.sim.setFaults({ dropUploadNext: 1 });
      await expectCode(
        client.upload(folder, 'drop-c.bin', () => Readable.from([data]), { size: data.length, collision: 'rename' }),
        'CONNECTION',
      );
      assert.deepEqual(
        docsIn(used, folder)
          .map((d) => [d.name, d.sha256])
          .sort(),
        [
          ['drop-a.bin', sha(data)],
          ['drop-b.bin', sha(data)],
        ],
      );
      assert.equal(used.sim.stats().droppedUploads - dropped, 3);
    });

    it('a stream past the kept bound that is cut off is not sent half again: CONNECTION, nothing stored', async () => {
      const folder = await fresh();
      const data = randomBytes(24 * 1024 * 1024);
      used.sim.setFaults({ dropUploadNext: 1 });
      const chunks = [];
      for (let i = 0; i < data.length; i += 1 << 20) chunks.push(data.subarray(i, i + (1 << 20)));
      const e = await expectCode(client.upload(folder, 'big.bin', Readable.from(chunks), { size: data.length, collision: 'rename' }), 'CONNECTION');
      assert.ok(e.retryable);
      assert.equal(docsIn(used, folder).length, 0);
    });
  });

  describe('sharing', () => {
    it('shares a folder with a group and a user by name and role; lists; unshares one, then all', async () => {
      const folder = await client.resolveFolder('Exceptions');
      const g = await client.share(folder.id, { group: 'Supplier ACME', role: 'editor' });
      const u = await client.share(folder.id, { user: 'Ada.Auditor@example.com', role: 'viewer' });
      assert.equal(g.type, 'group');
      assert.equal(u.type, 'user');
      assert.ok(BigInt(g.id) > TWO_53);
      const sim = used.sim.folderAt('/Exceptions');
      assert.deepEqual(
        sim?.collaborators.map((c) => [c.type, c.name, c.role]).sort(),
        [
          ['group', 'Supplier ACME', 'editor'],
          ['user', sim?.collaborators.find((c) => c.type === 'user')?.name, 'viewer'],
        ].sort(),
      );
      const listed = await client.collaborators(folder.id);
      assert.deepEqual(listed.map((c) => c.id).sort(), [g.id, u.id].sort());
      assert.equal(listed.find((c) => c.id === g.id)?.role, 'editor');
      await client.unshare(folder.id, { group: 'Supplier ACME' });
      assert.deepEqual(
        (await client.collaborators(folder.id)).map((c) => c.id),
        [u.id],
      );
      await client.unshare(folder.id);
      assert.deepEqual(await client.collaborators(folder.id), []);
    });

    it('names are matched exactly: a partial group name or unknown user is NOT_FOUND; a bad role INVALID_INPUT', async () => {
      const folder = await client.resolveFolder('Audit');
      await expectCode(client.share(folder.id, { group: 'Retail', role: 'viewer' }), 'NOT_FOUND', /Retail/);
      await expectCode(client.findUser('nobody@example.com'), 'NOT_FOUND');
      await expectCode(client.share(folder.id, { group: 'Auditors', role: 'admin' as 'viewer' }), 'INVALID_INPUT');
      assert.equal((await client.findGroup('Retail Partners')).name, 'Retail Partners');
    });
  });

  it('the simulator saw only routes of the contract (no unknown route)', () => {
    const routes = Object.keys(used.sim.stats().byRoute);
    assert.ok(!routes.some((r) => r.includes('(unknown)')), routes.join(', '));
    assert.ok(readFileSync !== undefined);
    assert.ok(FileBridgeError !== undefined);
  });
});
