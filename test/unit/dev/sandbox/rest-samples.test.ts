import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHome } from '../../../../dev/servers/home';
import { exampleId, exampleProducers, type SampleFile } from '../../../../dev/sandbox/example-samples';
import { FEED_INJECTS, feedInjects, MEDIA_PRODUCTS, REST_INVALID_EVERY, SAMPLE_EVERY } from '../../../../dev/sandbox/rest-samples';
import { loadExamples, prepareExample, type Example, type FlowNode, type SandboxTargets } from '../../../../dev/sandbox/flows';
import { REPO_ROOT } from '../../../support/runtimes';
import { sampleProblems as problems } from '../../../support/sample-problems';

const when = new Date(2026, 11, 7, 10, 0, 0);
/** Rounds of samples: the xConnector examples get a file every third round. */
const ROUNDS = 36;

const ftp = { host: '127.0.0.1', port: 21, username: 'u', credentials: { password: 'p' } };
const rest = {
  apiUrl: 'http://127.0.0.1:8484/api/v1',
  tokenUrl: 'http://127.0.0.1:8484/oauth/token',
  user: 'sim-user',
  password: 'sim-password',
  bearerToken: 'sim-static-token',
  apiKey: 'sim-api-key',
  clientId: 'filebridge-rest',
  clientSecret: 'sim-client-secret',
};
const targets: SandboxTargets = { endpoints: { ftp, 'ftps-explicit': ftp }, missing: {}, hostKey: undefined, caPem: undefined, rest };

describe('sandbox samples and feeds for the xConnector examples', () => {
  let examples: Example[];
  let dir: string;
  let home: LocalHome;

  before(async () => {
    examples = (await loadExamples(join(REPO_ROOT, 'examples'))).filter((e) => e.name.startsWith('xc-'));
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fb-rest-samples-'));
    home = new LocalHome(dir, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const example = (id: string): Example => {
    const found = examples.find((e) => exampleId(e.name) === id);
    assert.ok(found, `no example ${id}`);
    return found;
  };

  it('there are seven xConnector examples, each one flow tab', () => {
    assert.deepEqual(
      examples.map((e) => exampleId(e.name)),
      ['xc-01', 'xc-02', 'xc-03', 'xc-04', 'xc-05', 'xc-06', 'xc-07'],
    );
    for (const e of examples) assert.equal(e.nodes.filter((n) => n.type === 'tab').length, 1, e.name);
  });

  /** The samples of rounds 1..ROUNDS for one watch of an example. */
  async function samples(id: string, watch: FlowNode): Promise<SampleFile[]> {
    const producer = exampleProducers()[id];
    assert.ok(producer, `no producer for ${id}`);
    const files: SampleFile[] = [];
    for (let n = 1; n <= ROUNDS; n++) files.push(...(await producer.next(n, when, { folder: watch.folder as string, nodes: example(id).nodes, home })));
    return files;
  }

  for (const id of ['xc-01', 'xc-03', 'xc-04', 'xc-05', 'xc-07']) {
    it(`${id}: the samples of every watched folder pass the example's watch filter and validate rules, with unique names`, async () => {
      const ex = example(id);
      const watches = ex.nodes.filter((n) => n.type === 'filebridge-watch');
      assert.ok(watches.length > 0, `${id} has no watch`);
      const validate = ex.nodes.find((n) => n.type === 'filebridge-validate');
      for (const watch of watches) {
        const files = await samples(id, watch);
        const taken = files.filter((f) => !f.path.endsWith('.done'));
        assert.equal(taken.length, ROUNDS / SAMPLE_EVERY, `${id} dropped ${taken.length} files into ${String(watch.folder)} in ${ROUNDS} rounds`);
        assert.equal(new Set(taken.map((f) => f.path)).size, taken.length, 'two rounds, one path');
        for (const f of taken) {
          assert.ok(f.path.startsWith(`${watch.folder as string}/`), `${f.path} is not in the watched folder`);
          assert.deepEqual(problems(f.path.replace(/^.*\//, ''), Buffer.from(f.data), watch, validate), [], `${f.path} would be quarantined`);
          if (watch.stability === 'marker')
            assert.ok(
              files.some((m) => m.path === `${f.path}.done`),
              `${f.path} has no marker`,
            );
        }
      }
    });
  }

  it('xc-05: every sixth intake file has a price that is no number (the quarantine and notification path), the others a number', async () => {
    const ex = example('xc-05');
    const watch = ex.nodes.find((n) => n.type === 'filebridge-watch') as FlowNode;
    const taken = (await samples('xc-05', watch)).filter((f) => !f.path.endsWith('.done'));
    assert.equal(taken.length, ROUNDS / SAMPLE_EVERY);
    for (const [i, f] of taken.entries()) {
      const price = String(f.data).trim().split('\n')[1].split(',')[2];
      assert.equal(Number.isNaN(Number(price)), (i + 1) % REST_INVALID_EVERY === 0, `round ${i + 1}: ${String(f.data)}`);
    }
  });

  it('xc-03: the media are named after the products the feeds create, now and then after one the API does not know', async () => {
    const ex = example('xc-03');
    const watch = ex.nodes.find((n) => n.type === 'filebridge-watch') as FlowNode;
    const skus = (await samples('xc-03', watch)).map((f) => f.path.replace(/^.*\//, '').split('_')[0]);
    const known = new Set<string>(MEDIA_PRODUCTS.map((p) => p.sku));
    assert.ok(
      skus.some((s) => known.has(s)),
      'media of known products',
    );
    assert.ok(
      skus.some((s) => !known.has(s)),
      'and of an unknown one (the set-aside path)',
    );
  });

  it('points every REST connection at the REST simulator with the login of its own authentication type, secrets as credentials', () => {
    const prepared = examples.map((e, i) => prepareExample(e, i, targets));
    assert.deepEqual(
      prepared.filter((p) => p.disabledBecause !== undefined).map((p) => p.name),
      [],
    );
    const connections = prepared.flatMap((p) => p.nodes.filter((n) => n.type === 'filebridge-rest-connection'));
    assert.equal(connections.length, 7);
    const kinds = new Set<string>();
    for (const c of connections) {
      assert.equal(c.baseUrl, rest.apiUrl);
      kinds.add(String(c.authType));
      const expected: Record<string, Record<string, string>> = {
        basic: { password: rest.password },
        bearer: { token: rest.bearerToken },
        apiKey: { apiKey: rest.apiKey },
        oauth2: { clientSecret: rest.clientSecret },
      };
      assert.deepEqual(c.credentials, expected[String(c.authType)], `${String(c.name)} (${String(c.authType)})`);
      if (c.authType === 'basic') assert.equal(c.username, rest.user);
      if (c.authType === 'oauth2') assert.deepEqual([c.tokenUrl, c.clientId], [rest.tokenUrl, rest.clientId]);
    }
    assert.deepEqual([...kinds].sort(), ['apiKey', 'basic', 'bearer', 'oauth2'], 'the examples show every kind of login');
    // Without a REST simulator the tabs are disabled, not pointed at the example's made-up API.
    const without = examples.map((e, i) => prepareExample(e, i, { ...targets, rest: undefined }));
    assert.ok(without.every((p) => p.disabledBecause?.includes('REST')));
  });

  it('the feeds click the on-demand inject of every API -> FTP example that runs', () => {
    const prepared = examples.map((e, i) => prepareExample(e, i, targets));
    const found = feedInjects(prepared);
    assert.deepEqual(found.map((f) => f.example).sort(), Object.keys(FEED_INJECTS).sort());
    for (const f of found) {
      const node = prepared.flatMap((p) => p.nodes).find((n) => n.id === f.id);
      assert.equal(node?.type, 'inject');
      assert.equal(node?.name, FEED_INJECTS[f.example]);
    }
    const disabled = prepared.map((p) => (p.name.startsWith('xc-02') ? { ...p, disabledBecause: 'no FTP' } : p));
    assert.ok(!feedInjects(disabled).some((f) => f.example === 'xc-02'), 'a disabled example is not clicked');
  });
});
