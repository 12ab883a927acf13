import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { stat, utimes } from 'node:fs/promises';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import remoteNode from '../../../src/nodes/filebridge-remote';
import type { Protocol } from '../../../src/core/remote/types';
import { servers } from '../../support/dev-servers';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow, onCall, startTestServer, stopTestServer } from '../../support/flow-helper';
import { serverConfigNode } from '../../support/server-config-node';
import { PROTOCOLS, serverFor } from '../../support/server-options';
import { startFtpsInterceptor } from '../../support/ftps-interceptor';

helper.init(nodeRedPath());

// The flows route errors through a real Catch node, as users wire them.
const NODES: unknown[] = [serverNode, remoteNode, coreNode('common/25-catch.js')];

type Msg = Record<string, unknown> & { payload?: unknown; filebridge?: Record<string, Record<string, unknown>>; error?: { code?: string; message: string } };

/** A flow: server config, remote node wired to a helper node, and a Catch node wired to another. */
function flow(protocol: Protocol, remote: Record<string, unknown>, serverOverrides: Record<string, unknown> = {}): Record<string, unknown>[] {
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    serverConfigNode(protocol, serverOverrides),
    // x/y make Node-RED treat these as flow nodes rather than config nodes.
    {
      id: 'remote',
      z: 'tab',
      x: 100,
      y: 100,
      type: 'filebridge-remote',
      server: 'srv',
      path: '',
      pathType: 'str',
      destination: '',
      destinationType: 'str',
      wires: [['out']],
      ...remote,
    },
    { id: 'out', z: 'tab', x: 300, y: 100, type: 'helper' },
    { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
  ];
}

function credentials(extra: Record<string, string> = {}): Record<string, Record<string, string>> {
  return { srv: { password: servers().password, ...extra } };
}

let arrivals: Arrivals<Msg> | undefined;

/** Loads a flow and starts collecting what reaches its output and its Catch node. */
async function load(flowNodes: Record<string, unknown>[], creds: Record<string, Record<string, string>>): Promise<void> {
  await loadFlow(NODES, flowNodes, creds);
  arrivals = new Arrivals<Msg>(['out', 'caught']);
}

/** Sends `msg` and resolves with the next message on the output or on the Catch node. */
async function exchange(msg: Record<string, unknown>): Promise<{ out?: Msg; caught?: Msg }> {
  if (!arrivals) throw new Error('load a flow first');
  helper.getNode('remote').receive(msg);
  const { id, msg: got } = await arrivals.next();
  return id === 'out' ? { out: got } : { caught: got };
}

describe('filebridge-remote node in a Node-RED flow', function () {
  this.timeout(60_000);
  beforeEach(() => startTestServer());
  afterEach(async () => {
    await helper.unload();
    await stopTestServer();
  });

  for (const protocol of PROTOCOLS) {
    describe(protocol, () => {
      const dir = `node-${protocol}`;
      before(async () => {
        await servers().startAll();
        await servers().remove(dir);
        await servers().mkdirp(dir);
      });

      it('put from msg.payload with msg.filename into a folder path, then get it back as a Buffer', async () => {
        const data = randomBytes(10_000);
        await load(flow(protocol, { operation: 'put', path: `${dir}/in/` }), credentials());
        const put = await exchange({ payload: data, filename: '/local/data/report.bin' });
        assert.equal(put.caught?.error?.message, undefined);
        assert.equal(put.out?.filebridge?.put.path, `${dir}/in/report.bin`);
        assert.equal(put.out?.filebridge?.put.bytes, data.length);
        assert.deepEqual(await servers().readFile(`${dir}/in/report.bin`), data);
        await helper.unload();
        await load(flow(protocol, { operation: 'get', path: `${dir}/in/report.bin`, output: 'buffer' }), credentials());
        const got = await exchange({});
        assert.ok(Buffer.isBuffer(got.out?.payload));
        assert.deepEqual(got.out?.payload, data);
        assert.equal(got.out?.filename, 'report.bin');
        assert.equal(got.out?.filebridge?.file.size, data.length);
      });

      it('put keeps the modification time of the file it was given (a get, a cs export document or a watched file)', async () => {
        const when = '2024-12-31T23:59:58.000Z';
        await servers().writeFile(`${dir}/orig.txt`, 'original');
        await utimes(servers().localPath(`${dir}/orig.txt`), new Date(when), new Date(when));
        await load(flow(protocol, { operation: 'get', path: `${dir}/orig.txt`, output: 'buffer' }), credentials());
        const got = await exchange({});
        await helper.unload();
        await load(flow(protocol, { operation: 'put', path: `${dir}/copy/` }), credentials());
        const copied = await exchange({ ...got.out, _msgid: undefined });
        assert.equal(copied.out?.filebridge?.put.mtime, when, copied.caught?.error?.message);
        assert.equal((await stat(servers().localPath(`${dir}/copy/orig.txt`))).mtime.toISOString(), when);
        const exported = await exchange({ payload: 'doc', filename: 'doc.pdf', filebridge: { cs: { id: 7, modifyDate: '2023-01-02T03:04:05Z' } } });
        assert.equal(exported.out?.filebridge?.put.mtime, '2023-01-02T03:04:05.000Z');
        assert.equal((await stat(servers().localPath(`${dir}/copy/doc.pdf`))).mtime.toISOString(), '2023-01-02T03:04:05.000Z');
      });

      it('get in stream mode hands out a readable stream with the file facts', async () => {
        const data = randomBytes(2 * 1024 * 1024 + 3);
        await servers().writeFile(`${dir}/s.bin`, data);
        await load(flow(protocol, { operation: 'get', path: `${dir}/s.bin`, output: 'stream' }), credentials());
        const got = await exchange({});
        assert.ok(got.out?.payload instanceof Readable, 'payload must be a stream');
        const hash = createHash('sha256');
        for await (const chunk of got.out.payload as Readable) hash.update(chunk as Buffer);
        assert.equal(hash.digest('hex'), createHash('sha256').update(data).digest('hex'));
        assert.equal(got.out?.filebridge?.file.size, data.length);
      });

      it('list returns entries; msg.operation and msg.path override the node', async () => {
        await servers().writeFile(`${dir}/l/a.txt`, 'a');
        await servers().writeFile(`${dir}/l/b.csv`, 'bb');
        await load(flow(protocol, { operation: 'get', path: 'ignored', glob: '*.csv' }), credentials());
        const got = await exchange({ operation: 'list', path: `${dir}/l` });
        const list = got.out?.payload as { name: string; size: number; mtime: string }[];
        assert.deepEqual(
          list.map((e) => [e.name, e.size]),
          [['b.csv', 2]],
        );
        assert.ok(!Number.isNaN(Date.parse(list[0].mtime)));
        assert.equal(got.out?.filebridge?.list.count, 1);
      });

      it('move with a destination ending in "/" moves into that folder, keeping the name', async () => {
        await servers().writeFile(`${dir}/m/x.txt`, 'x');
        await load(flow(protocol, { operation: 'move', path: `${dir}/m/x.txt`, destination: `${dir}/m/done/`, createFolders: true }), credentials());
        const moved = await exchange({});
        assert.equal(moved.out?.filebridge?.move.to, `${dir}/m/done/x.txt`);
        assert.equal((await servers().readFile(`${dir}/m/done/x.txt`)).toString(), 'x');
      });

      it('errors reach a Catch node with a machine-readable code', async () => {
        await load(flow(protocol, { operation: 'get', path: `${dir}/does-not-exist.pdf` }), credentials());
        const missing = await exchange({});
        assert.equal(missing.caught?.error?.code, 'NOT_FOUND');
        assert.match(missing.caught?.error?.message ?? '', /does-not-exist\.pdf/);
        const traversal = await exchange({ path: `${dir}/../../etc/passwd` });
        assert.equal(traversal.caught?.error?.code, 'INVALID_INPUT');
        const badOp = await exchange({ operation: 'format-disk' });
        assert.equal(badOp.caught?.error?.code, 'INVALID_INPUT');
        assert.match(badOp.caught?.error?.message ?? '', /list, stat, get, put/);
      });

      it('a wrong password is reported as AUTHENTICATION with a clear message', async () => {
        await load(flow(protocol, { operation: 'list', path: '.' }), credentials({ password: 'wrong-password' }));
        const res = await exchange({});
        assert.equal(res.caught?.error?.code, 'AUTHENTICATION');
        assert.match(res.caught?.error?.message ?? '', /password/i);
        assert.doesNotMatch(JSON.stringify(res.caught), /wrong-password/, 'the password must not appear in the error');
      });
    });
  }

  it('sftp: an unpinned host key is refused; trust on first use needs a persistent context store, and then learns the key there', async () => {
    const s = servers();
    await load(flow('sftp', { operation: 'list', path: '.' }, { hostKey: '' }), credentials());
    const refused = await exchange({});
    assert.equal(refused.caught?.error?.code, 'HOST_KEY_MISMATCH');
    assert.match(refused.caught?.error?.message ?? '', /SHA256:/);
    await helper.unload();
    // The test runtime keeps context in memory only (Node-RED's default): a restart would forget
    // the key, so trust on first use is refused before connecting, saying what to do.
    await load(flow('sftp', { operation: 'list', path: '.' }, { hostKey: '', trustOnFirstUse: true }), credentials());
    // The node using the server says so on the canvas from the deploy on (the helper spies Node#status).
    const remote = helper.getNode('remote');
    const statusSpy = remote.status as unknown as { getCalls(): { thisValue: unknown; args: { text?: string; fill?: string }[] }[] };
    const shown = statusSpy.getCalls().filter((c) => c.thisValue === remote);
    assert.deepEqual(shown[0]?.args[0], { fill: 'red', shape: 'ring', text: 'trust on first use: no persistent store' });
    const memoryOnly = await exchange({});
    assert.equal(memoryOnly.out, undefined);
    assert.equal(memoryOnly.caught?.error?.code, 'INVALID_INPUT');
    assert.match(memoryOnly.caught?.error?.message ?? '', /context store that survives a restart/);
    assert.match(memoryOnly.caught?.error?.message ?? '', /Host key/);
    await helper.unload();
    // With a persistent store configured the key is learned and kept there (that it survives a real
    // restart is shown with a Node-RED process in test/integration/package/trust-on-first-use.test.ts).
    helper.settings({ contextStorage: { default: { module: 'localfilesystem' } } });
    try {
      await load(flow('sftp', { operation: 'list', path: '.' }, { hostKey: '', trustOnFirstUse: true }), credentials());
      const warnings: string[] = [];
      onCall<unknown>('srv', 'warn', (call) => warnings.push(String(call.args[0])));
      const accepted = await exchange({});
      assert.equal(accepted.caught, undefined, accepted.caught?.error?.message);
      const learned = helper.getNode('srv').context().get('learnedHostKey', 'default') as { fingerprint: string; host: string; port: number };
      assert.ok(Object.values(s.sftp.hostKeyFingerprints).includes(learned.fingerprint), `learned ${JSON.stringify(learned)}`);
      assert.equal(learned.port, s.sftp.port);
      assert.ok(
        warnings.some((w) => w.includes(learned.fingerprint)),
        'the learned fingerprint is shown to the user',
      );
    } finally {
      helper.settings({});
    }
  });

  it('sftp: a pinned key that does not match refuses and names the presented fingerprint', async () => {
    const wrong = 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
    await load(flow('sftp', { operation: 'list', path: '.' }, { hostKey: wrong }), credentials());
    const res = await exchange({});
    assert.equal(res.caught?.error?.code, 'HOST_KEY_MISMATCH');
    const presented = Object.values(servers().sftp.hostKeyFingerprints);
    assert.ok(
      presented.some((fp) => (res.caught?.error?.message ?? '').includes(fp)),
      res.caught?.error?.message,
    );
  });

  it('ftps: a certificate not signed by a trusted CA is refused with TLS', async () => {
    await load(flow('ftps-explicit', { operation: 'list', path: '.' }, { tlsCa: servers().certs.otherCa.cert.pem }), credentials());
    const res = await exchange({});
    assert.equal(res.caught?.error?.code, 'TLS');
  });

  it('ftps: a pinned certificate holds on data connections too: through an interceptor, list and get reach only the Catch node', async () => {
    const s = servers();
    await s.writeFile('pinned-real.txt', 'real content');
    const injected = Buffer.from('-rw-r--r--    1 0        0              20 Jan 01 00:00 injected-by-interceptor.txt\r\n');
    // Presents the pinned certificate on the control connection, another one on data connections.
    const mitm = await startFtpsInterceptor({
      upstream: { host: s.ftp.host, port: s.ftp.port },
      control: s.certs.server,
      data: s.certs.selfSigned,
      inject: injected,
    });
    try {
      const pinned = { host: mitm.host, port: mitm.port, tlsCa: '', tlsFingerprint: s.certs.server.fingerprint256 };
      for (const remote of [
        { operation: 'list', path: '.' },
        { operation: 'get', path: 'pinned-real.txt', output: 'buffer' },
      ]) {
        await load(flow('ftps-explicit', remote, pinned), credentials());
        const res = await exchange({});
        assert.equal(res.out, undefined, `${remote.operation} sent a message on: ${JSON.stringify(res.out?.payload)}`);
        assert.equal(res.caught?.error?.code, 'TLS', JSON.stringify(res.caught?.error));
        assert.match(res.caught?.error?.message ?? '', /data connection/);
        await helper.unload();
      }
      assert.ok(mitm.dataConnections >= 2, `the interceptor saw ${mitm.dataConnections} data connections`);
    } finally {
      await mitm.close();
    }
  });

  it("sftp: a get stream nobody reads frees the only connection after the server's unread timeout", async () => {
    await servers().writeFile('unread-node/big.bin', randomBytes(4 * 1024 * 1024));
    await load(flow('sftp', { operation: 'get', path: 'unread-node/big.bin', output: 'stream' }, { poolSize: 1, unreadTimeout: 1 }), credentials());
    const got = await exchange({});
    const stream = got.out?.payload;
    assert.ok(stream instanceof Readable, 'payload must be a stream');
    const failed = new Promise<unknown>((resolve) => stream.once('error', resolve));
    // Nobody reads it; the next message needs the pool's only connection.
    const next = await exchange({ operation: 'stat', path: 'unread-node/big.bin' });
    assert.equal(next.caught, undefined, next.caught?.error?.message);
    assert.equal(next.out?.filebridge?.stat.exists, true);
    const err = (await failed) as { code?: string };
    assert.equal(err.code, 'TIMEOUT');
  });

  for (const protocol of ['sftp', 'ftp'] as Protocol[]) {
    it(`${protocol}: server down gives CONNECTION and a red status; the next message works once it is back`, async function () {
      this.timeout(120_000);
      await servers().writeFile('up.txt', 'up');
      await load(flow(protocol, { operation: 'stat', path: 'up.txt' }), credentials());
      const statuses: { fill?: string; text?: string }[] = [];
      onCall<{ fill?: string; text?: string }>('remote', 'status', (call) => statuses.push(call.args[0]));
      assert.equal((await exchange({})).out?.filebridge?.stat.exists, true);
      await serverFor(protocol).stop();
      try {
        const down = await exchange({});
        assert.equal(down.caught?.error?.code, 'CONNECTION', down.caught?.error?.message);
        assert.ok(
          statuses.some((st) => st.fill === 'red'),
          `statuses: ${JSON.stringify(statuses)}`,
        );
      } finally {
        await serverFor(protocol).start();
      }
      const back = await exchange({});
      assert.equal(back.caught, undefined, back.caught?.error?.message);
      assert.equal(back.out?.filebridge?.stat.exists, true);
    });
  }
});
