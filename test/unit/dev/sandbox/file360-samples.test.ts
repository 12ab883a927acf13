import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHome } from '../../../../dev/servers/home';
import { checkMagicBytes } from '../../../../src/core/validate/magic-bytes';
import { exampleId, exampleProducers, INVALID_EVERY, type SampleFile } from '../../../../dev/sandbox/example-samples';
import { file360Producers, file360WatchedFolders } from '../../../../dev/sandbox/file360-samples';
import { loadExamples, prepareExample, type Example, type SandboxTargets } from '../../../../dev/sandbox/flows';
import { watchedFolders, watchServerProtocol } from '../../../../dev/sandbox/samples';
import { REPO_ROOT } from '../../../support/runtimes';
import { sampleProblems as problems } from '../../../support/sample-problems';

const when = new Date(2026, 11, 7, 10, 0, 0);
const ROUNDS = 12;

describe('sandbox samples for the File 360 examples', () => {
  let examples: Example[];
  let dir: string;
  let home: LocalHome;

  before(async () => {
    examples = await loadExamples(join(REPO_ROOT, 'examples'));
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fb-f360-samples-'));
    home = new LocalHome(dir, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const example = (id: string): Example => {
    const found = examples.find((e) => exampleId(e.name) === id);
    assert.ok(found, `no example ${id}`);
    return found;
  };

  it('reads the example id of the f360 examples (a letter and digits before the number)', () => {
    assert.equal(exampleId('f360-01 Supplier files into shared File 360 folders'), 'f360-01');
    assert.equal(exampleId('sub/ftp-cs-08 Exception folder'), 'ftp-cs-08');
  });

  for (const id of ['f360-01', 'f360-03', 'f360-04', 'f360-06', 'f360-07', 'f360-08']) {
    it(`${id}: the FTP samples pass the example's FTP watch and validate rules (markers apart)`, async () => {
      const ex = example(id);
      const watch = ex.nodes.find((n) => n.type === 'filebridge-watch' && watchServerProtocol(ex.nodes, n) !== 'file360');
      assert.ok(watch && typeof watch.folder === 'string', `${id} has no FTP watch`);
      const validate = ex.nodes.find((n) => n.type === 'filebridge-validate');
      const producer = exampleProducers()[id];
      assert.ok(producer, `no producer for ${id}`);
      const files: SampleFile[] = [];
      for (let n = 1; n <= ROUNDS; n++) files.push(...(await producer.next(n, when, { folder: watch.folder as string, nodes: ex.nodes, home })));
      const taken = files.filter((f) => !f.path.endsWith('.done'));
      assert.ok(taken.length >= ROUNDS / 2, `${id} dropped ${taken.length} files in ${ROUNDS} rounds`);
      for (const f of taken) {
        assert.ok(f.path.startsWith(`${watch.folder as string}/`), `${f.path} is not in the watched folder`);
        assert.deepEqual(problems(f.path.replace(/^.*\//, ''), Buffer.from(f.data), watch, validate), [], `${f.path} would be quarantined`);
      }
      if (watch.stability === 'marker') {
        for (const f of taken)
          assert.ok(
            files.some((m) => m.path === `${f.path}.done`),
            `${f.path} has no marker`,
          );
      }
    });
  }

  it('f360-08: every sixth sample has a price that is no number (the exceptions path), the others are valid', async () => {
    const producer = exampleProducers()['f360-08'];
    for (let n = 1; n <= ROUNDS; n++) {
      const [file] = await producer.next(n, when, { folder: 'up', nodes: [], home });
      assert.equal(/,twelve\n/.test(String(file.data)), n % INVALID_EVERY === 0, `round ${n}: ${String(file.data)}`);
    }
  });

  it('finds the File 360 watches of the running examples and leaves them out of the FTP servers folders', () => {
    const ftp = { host: '127.0.0.1', port: 21, username: 'u', credentials: { password: 'p' } };
    const targets: SandboxTargets = {
      endpoints: { ftp, 'ftps-explicit': ftp },
      missing: {},
      hostKey: undefined,
      caPem: undefined,
      file360: { apiUrl: 'http://127.0.0.1:8383', ssoUrl: 'http://127.0.0.1:8383', clientId: 'c', clientSecret: 's' },
    };
    const prepared = examples.filter((e) => e.name.startsWith('f360-')).map((e, i) => prepareExample(e, i, targets));
    assert.equal(prepared.length, 8);
    assert.deepEqual(
      prepared.filter((p) => p.disabledBecause !== undefined).map((p) => p.name),
      [],
    );
    assert.deepEqual(
      file360WatchedFolders(prepared).map((w) => [w.folder, w.example]),
      [
        ['/Marketing/Approved assets', 'f360-02'],
        ['/Releases/Approved', 'f360-05'],
        ['/Audit/Reports for auditor', 'f360-06'],
      ],
    );
    assert.deepEqual(
      watchedFolders(prepared).map((w) => w.folder),
      ['f360-01/inbox', 'f360-03/feeds', 'f360-04/inbox', 'f360-06/auditor/uploads', 'f360-07/jobs', 'f360-08/acme/upload'],
      'the FTP folders only',
    );
    const withoutSim = prepareExample(example('f360-02'), 0, { ...targets, file360: undefined });
    assert.match(String(withoutSim.disabledBecause), /^File 360: no File 360 simulator in this sandbox$/);
    assert.deepEqual(file360WatchedFolders([withoutSim]), [], 'a disabled tab gets no documents');
  });

  it('the File 360 producers put documents into the watched folders, and the release gate moves last round’s draft into Approved', () => {
    const producers = file360Producers();
    const gate = producers['f360-05'];
    assert.deepEqual(gate.folders, ['/Releases/Review']);
    const w = { folder: '/Releases/Approved', example: 'f360-05', nodes: [] };
    const first = gate.next(1, when, w);
    assert.deepEqual(
      first.files.map((f) => f.path),
      ['/Releases/Review/Release note 0001.pdf'],
      'drafts land in review, not in the watched folder',
    );
    assert.deepEqual(first.moves, []);
    assert.deepEqual(gate.next(2, when, w).moves, [{ from: '/Releases/Review/Release note 0001.pdf', to: '/Releases/Approved' }]);
    const assets = [1, 2, 3].flatMap((n) => producers['f360-02'].next(n, when, { folder: '/Marketing/Approved assets', nodes: [] }).files);
    assert.deepEqual(
      assets.map((f) => f.path),
      ['Sandbox asset 0001.png', 'Sandbox asset 0003.png'],
    );
    assert.deepEqual(checkMagicBytes(Buffer.from(assets[0].data).subarray(0, 64), 'png'), []);
  });
});
