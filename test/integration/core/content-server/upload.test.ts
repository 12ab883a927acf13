/**
 * The order of an upload's requests against the simulator: a small watched file (it opens again, its
 * size is known, it carries a delivery mark) is created before its name is looked up; everything else
 * looks the name up first. Either way each collision policy, the re-delivery after a crash and a
 * retried create that met its own first attempt come out as before.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ContentServerClient } from '../../../../src/core/content-server';
import { CREATE_FIRST_MAX_BYTES } from '../../../../src/core/content-server/upload';
import { performUpload, prepareUpload, reopenableSource } from '../../../../src/core/content-server/upload-request';
import { FileBridgeError } from '../../../../src/core/errors';
import { startContentServerSim, type ContentServerSim } from '../../../../dev/sim/content-server';
import { watchedSource } from '../../../support/claimed-source';
import { losingFirstCreateAnswer } from '../../../support/cs-answer-proxy';

type SimDoc = { id: number; name: string; versions: { version_number: number; sha256: string }[] };

describe('content-server upload: a small watched file is created before its name is looked up', function () {
  let sim: ContentServerSim;
  let client: ContentServerClient;
  let proxy: Server | undefined;
  /** The client's node calls in order ('find <name>', 'create <name>', 'version <id>'). */
  let calls: string[] = [];
  let opens = 0;
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const simNode = async (id: number): Promise<SimDoc> => (await (await fetch(`${sim.url}/__sim/nodes/${id}`)).json()) as never;
  const folder = 'Enterprise:Inbound/CreateFirst';
  const defaults = { folder, createFolders: true, categories: '' };

  function counted(c: ContentServerClient): ContentServerClient {
    const nodes = c.nodes;
    const findChild = nodes.findChild.bind(nodes);
    const createDocument = nodes.createDocument.bind(nodes);
    const addVersion = nodes.addVersion.bind(nodes);
    nodes.findChild = (parentId, name) => (calls.push(`find ${name}`), findChild(parentId, name));
    nodes.createDocument = (parentId, doc) => (calls.push(`create ${doc.name}`), createDocument(parentId, doc));
    nodes.addVersion = (id, doc) => (calls.push(`version ${id}`), addVersion(id, doc));
    return c;
  }
  const connect = (baseUrl = `${sim.url}/otcs/cs.exe`): ContentServerClient =>
    counted(
      new ContentServerClient({ baseUrl, auth: { kind: 'password', username: 'Admin', password: 'livelink' }, retry: { retries: 4, baseMs: 2, maxMs: 10 } }),
    );

  before(async () => {
    sim = await startContentServerSim({ port: 0 });
    client = connect();
    await client.resolveFolder(folder, { create: true });
  });
  beforeEach(() => {
    calls = [];
    opens = 0;
  });
  afterEach(async () => {
    if (proxy) await new Promise((resolve) => proxy!.close(resolve));
    proxy = undefined;
  });
  after(async () => {
    await client.close();
    await sim.stop();
  });

  const watched = watchedSource;

  /** One watched file through cs-upload's path; `reopen: false` is a stream that cannot be opened again. */
  async function deliver(
    c: ContentServerClient,
    collision: 'add-version' | 'skip-identical' | 'rename' | 'fail',
    name: string,
    bytes: Buffer,
    o: { reopen?: boolean; attempt?: number } = {},
  ): Promise<Awaited<ReturnType<typeof performUpload>>> {
    const open = (): Readable => (opens++, Readable.from([bytes]));
    const origin = reopenableSource(watched(name, bytes.length, o.attempt), o.reopen === false ? undefined : open);
    return performUpload(c, prepareUpload({ ...defaults, collision }, open(), name, undefined, origin));
  }

  async function otherFile(name: string, content: Buffer): Promise<number> {
    const id = (await client.upload({ target: folder, name, open: () => Readable.from([content]) })).id;
    calls = [];
    return id;
  }

  it('a new file costs one request: the create, no lookup', async () => {
    const bytes = Buffer.from('a new small file');
    const r = await deliver(client, 'add-version', 'new.txt', bytes);
    assert.deepEqual([r.action, r.version], ['created', 1]);
    assert.deepEqual(calls, ['create new.txt']);
    assert.equal(opens, 1);
    assert.equal((await simNode(r.id)).versions[0].sha256, sha(bytes));
  });

  it('a name that exists: the create collides, then the lookup and each policy as before (the body sent twice)', async () => {
    const theirs = Buffer.from('somebody else');
    const ours = Buffer.from('our file of the same name');
    const id = await otherFile('clash.txt', theirs);

    const versioned = await deliver(client, 'add-version', 'CLASH.txt', ours);
    assert.deepEqual([versioned.action, versioned.id, versioned.version], ['versioned', id, 2]);
    assert.deepEqual(calls, ['create CLASH.txt', 'find CLASH.txt', `version ${id}`]);
    assert.equal(opens, 2, 'the create sent it once, the version again');

    calls = [];
    const other = Buffer.from('yet another file, same name');
    const renamed = await deliver(client, 'rename', 'clash.txt', other);
    assert.deepEqual([renamed.action, renamed.name], ['renamed', 'clash (2).txt']);
    assert.deepEqual(calls.slice(0, 2), ['create clash.txt', 'find clash.txt']);

    const same = Buffer.from('our file of the same name');
    const skipped = await deliver(client, 'skip-identical', 'clash.txt', same, { attempt: 1 });
    assert.equal(skipped.action, 'skipped', 'the same bytes as version 2');

    await assert.rejects(
      deliver(client, 'fail', 'clash.txt', Buffer.from('a third file')),
      (err: unknown) => err instanceof FileBridgeError && err.code === 'CONFLICT' && /already exists/.test(err.message),
    );
    const node = await simNode(id);
    assert.deepEqual(
      node.versions.map((v) => v.sha256),
      [sha(theirs), sha(ours)],
    );
    assert.equal((await simNode(renamed.id)).versions[0].sha256, sha(other));
  });

  it('a re-delivery after a crash stores nothing, found by its mark after the create collided', async () => {
    const bytes = Buffer.from('delivered, then the runtime died before the ack');
    const first = await deliver(client, 'add-version', 'crash.txt', bytes, { attempt: 1 });
    calls = [];
    const again = await deliver(client, 'add-version', 'crash.txt', bytes, { attempt: 2 });
    assert.deepEqual([again.action, again.redelivered, again.id, again.version], ['skipped', true, first.id, 1]);
    assert.deepEqual(calls, ['create crash.txt', 'find crash.txt']);
    assert.equal((await simNode(first.id)).versions.length, 1);
  });

  it('looks the name up first for a stream that cannot be opened again, and for a file above the limit', async () => {
    const once = await deliver(client, 'add-version', 'one-shot.txt', Buffer.from('read once'), { reopen: false });
    assert.equal(once.action, 'created');
    assert.deepEqual(calls, ['find one-shot.txt', 'create one-shot.txt']);
    assert.equal(opens, 1);

    const big = Buffer.alloc(CREATE_FIRST_MAX_BYTES + 1, 'b');
    const id = await otherFile('big.bin', Buffer.from('small first version'));
    opens = 0;
    const r = await deliver(client, 'add-version', 'big.bin', big);
    assert.deepEqual([r.action, r.id, r.version], ['versioned', id, 2]);
    assert.deepEqual(calls, ['find big.bin', `version ${id}`], 'sent once: no create that collides');
    assert.equal(opens, 1);
  });

  /** A proxy before the simulator that drops the answer to the first create (the create itself is done). */
  async function losingFirstCreate(): Promise<{ url: string; dropped: () => number }> {
    const lose = losingFirstCreateAnswer(sim.url);
    proxy = createServer(lose.handler);
    await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/otcs/cs.exe`, dropped: lose.dropped };
  }

  it('a retried create that met its own first attempt is our document (its mark), stored once', async () => {
    const { url, dropped } = await losingFirstCreate();
    const c = connect(url);
    await c.resolveFolder(folder);
    calls = [];
    const bytes = Buffer.from('the answer to this create is lost');
    const r = await deliver(c, 'fail', 'lost-answer.txt', bytes);
    assert.equal(dropped(), 1);
    assert.deepEqual([r.action, r.version], ['created', 1]);
    assert.deepEqual(calls, ['create lost-answer.txt', 'find lost-answer.txt']);
    const node = await simNode(r.id);
    assert.deepEqual(
      node.versions.map((v) => v.sha256),
      [sha(bytes)],
    );
    await c.close();
  });

  it('a retried create that met a document there before (same bytes, no mark) gets the policy, not a false success', async () => {
    const bytes = Buffer.from('identical bytes, filed by someone else');
    const id = await otherFile('was-there.txt', bytes);
    // The first create is refused by a dropped connection before it reaches the simulator.
    sim.script([{ drop: true }]);
    await assert.rejects(
      deliver(client, 'fail', 'was-there.txt', bytes),
      (err: unknown) => err instanceof FileBridgeError && err.code === 'CONFLICT' && /already exists/.test(err.message),
    );
    const versioned = await deliver(client, 'add-version', 'was-there.txt', bytes);
    assert.deepEqual([versioned.action, versioned.id, versioned.version], ['versioned', id, 2]);
  });

  it('a server answering the clash in another language: the refused create is looked into, and the policy applies as with the lookup first', async () => {
    const id = await otherFile('sprache.txt', Buffer.from('schon da'));
    // What a German-speaking server says instead of "An item with the name ... already exists."
    sim.script([{ status: 500, body: { error: "Ein Objekt mit dem Namen 'sprache.txt' ist bereits vorhanden." } }]);
    const ours = Buffer.from('unsere Datei');
    const r = await deliver(client, 'add-version', 'sprache.txt', ours);
    assert.deepEqual([r.action, r.id, r.version], ['versioned', id, 2]);
    // Looked up once: the node the refusal's lookup found is the one the next round decides on.
    assert.deepEqual(calls, ['create sprache.txt', 'find sprache.txt', `version ${id}`]);
    assert.equal((await simNode(id)).versions[1].sha256, sha(ours));

    // A refusal of a name that does not exist is the refusal: it fails the file as before.
    calls = [];
    sim.script([{ status: 500, body: { error: 'Der Vorgang ist nicht erlaubt.' } }]);
    await assert.rejects(
      deliver(client, 'add-version', 'neu.txt', Buffer.from('neu')),
      (err: unknown) => err instanceof FileBridgeError && err.code === 'CS_REJECTED' && /nicht erlaubt/.test(err.message),
    );
    assert.deepEqual(calls, ['create neu.txt', 'find neu.txt']);
  });
});
