import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../../../../src/core/errors';
import { claimFileName } from '../../../../src/core/pipeline/claim';
import { createPool } from '../../../../src/core/remote/connect';
import { openFile } from '../../../../src/core/remote/operations';
import type { SessionPool } from '../../../../src/core/remote/session-pool';
import type { RemoteSession } from '../../../../src/core/remote/types';
import { poolFiles } from '../../../../src/core/validate/remote-files';
import { parseRules } from '../../../../src/core/validate/rules';
import { validateFile } from '../../../../src/core/validate/validator';
import { servers } from '../../../support/dev-servers';
import { optionsFor } from '../../../support/server-options';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

/*
 * Side-cars and manifests live next to the file on the partner's server: read here from the real
 * sshd through a session pool, as the node does.
 */
describe('validate: side-car checksum and manifest on the SFTP server', function () {
  this.timeout(60_000);
  const dir = 'validate-remote';
  let pool: SessionPool<RemoteSession>;

  before(async () => {
    await servers().startAll();
    pool = createPool(optionsFor('sftp'), { size: 1 });
  });
  after(async () => {
    await pool.close();
    await servers().remove(dir);
  });
  beforeEach(async () => {
    await servers().remove(dir);
    await servers().mkdirp(`${dir}/inbox/.filebridge/processing`);
  });

  const context = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    sourceName: name,
    folder: `${dir}/inbox`,
    claimFolder: `${dir}/inbox/.filebridge/processing`,
    remote: poolFiles(pool),
    ...extra,
  });

  it('a sha256 side-car next to the file confirms it; a wrong one fails with both digests', async () => {
    const data = Buffer.from('%PDF-1.7 invoice 42');
    await servers().writeFile(`${dir}/inbox/INV-42.pdf.sha256`, `${sha256(data)}  INV-42.pdf\n`);
    const rules = parseRules({ checksum: { algorithm: 'auto', source: 'remote' } });
    const ok = await validateFile(data, rules, context('INV-42.pdf'));
    assert.deepEqual(ok.result, { valid: true, errors: [] });
    assert.equal(ok.sha256, sha256(data));

    const tampered = Buffer.from('%PDF-1.7 invoice 43');
    const bad = await validateFile(tampered, rules, context('INV-42.pdf'));
    assert.equal(bad.result.valid, false);
    assert.equal(bad.result.errors[0].rule, 'checksum');
    assert.equal(bad.result.errors[0].expected, sha256(data));
    assert.equal(bad.result.errors[0].actual, sha256(tampered));
    assert.match(String(bad.result.errors[0].sidecar), /inbox\/INV-42\.pdf\.sha256$/);
  });

  it('the file streamed from the same server (one-session pool) is read before the side-car, so nothing deadlocks', async () => {
    const data = Buffer.from('a,b\n1,2\n');
    await servers().writeFile(`${dir}/inbox/.filebridge/processing/data.csv`, data);
    await servers().writeFile(`${dir}/inbox/data.csv.md5`, md5(data));
    const { stream } = await openFile(pool, `${dir}/inbox/.filebridge/processing/data.csv`);
    const outcome = await validateFile(stream, parseRules({ checksum: { algorithm: 'md5', source: 'remote' }, csv: {} }), context('data.csv'));
    assert.deepEqual(outcome.result.errors, []);
    let copy = Buffer.alloc(0);
    for await (const chunk of outcome.payload as Readable) copy = Buffer.concat([copy, chunk as Buffer]);
    assert.deepEqual(copy, data);
  });

  it('no side-car is a validation failure naming where it looked', async () => {
    const outcome = await validateFile(Buffer.from('x'), parseRules({ checksum: { algorithm: 'sha256', source: 'remote' } }), context('lonely.pdf'));
    assert.equal(outcome.result.valid, false);
    assert.match(outcome.result.errors[0].reason, /No checksum side-car found: looked for lonely\.pdf\.sha256 in .*inbox and .*processing/);
  });

  it('manifest completeness: every listed file present (claimed ones count), or the missing ones named', async () => {
    await servers().writeFile(`${dir}/inbox/a.pdf`, 'a');
    await servers().writeFile(`${dir}/inbox/sub/b.pdf`, 'b');
    await servers().writeFile(`${dir}/inbox/.filebridge/processing/c.pdf`, 'c');
    // What the watch leaves there: the file under its claim name (and the previous version's claim name).
    await servers().writeFile(`${dir}/inbox/.filebridge/processing/${claimFileName('c2.pdf', Date.now(), 1, 'a1b2c3d4')}`, 'c2');
    await servers().writeFile(`${dir}/inbox/.filebridge/processing/1762077600000-0a0b0c0d-2~c3.pdf`, 'c3');
    const manifest = Buffer.from(
      JSON.stringify({ files: [{ name: 'a.pdf' }, { name: 'sub/b.pdf' }, { name: 'c.pdf' }, { name: 'c2.pdf' }, { name: 'c3.pdf' }] }),
    );
    const self = parseRules({ manifest: { source: 'self' } });
    assert.deepEqual((await validateFile(manifest, self, context('batch-7.json'))).result, { valid: true, errors: [] });

    const incomplete = Buffer.from('file,pages\na.pdf,1\nd.pdf,2\nsub/e.pdf,3\n');
    const outcome = await validateFile(incomplete, self, context('batch-8.csv'));
    assert.equal(outcome.result.valid, false);
    assert.deepEqual(outcome.result.errors[0].missing, ['d.pdf', 'sub/e.pdf']);
    assert.match(outcome.result.errors[0].reason, /2 of 3 file\(s\) listed in batch-8\.csv are missing: d\.pdf, sub\/e\.pdf/);
  });

  it('a manifest file next to the data file, named from a template', async () => {
    await servers().writeFile(`${dir}/inbox/a.pdf`, 'a');
    const remote = parseRules({ manifest: { source: 'remote', fileName: '{stem}.lst' } });
    const missing = await validateFile(Buffer.from('%PDF'), remote, context('a.pdf'));
    assert.match(missing.result.errors[0].reason, /The manifest a\.lst was not found/);
    await servers().writeFile(`${dir}/inbox/a.lst`, 'a.pdf\nb.pdf\n');
    const outcome = await validateFile(Buffer.from('%PDF'), remote, context('a.pdf'));
    assert.deepEqual(
      outcome.result.errors.map((e) => e.missing),
      [['b.pdf']],
    );
    await servers().writeFile(`${dir}/inbox/b.pdf`, 'b');
    assert.equal((await validateFile(Buffer.from('%PDF'), remote, context('a.pdf'))).result.valid, true);
  });

  it('a server that cannot be reached is an error with the connection code, not an invalid file', async () => {
    const dead = createPool(optionsFor('sftp', { port: 1 }), { size: 1, connectRetries: 0 });
    try {
      await assert.rejects(
        validateFile(Buffer.from('x'), parseRules({ checksum: { source: 'remote' } }), { ...context('x.pdf'), remote: poolFiles(dead) }),
        (err: unknown) => err instanceof FileBridgeError && err.code === 'CONNECTION',
      );
    } finally {
      await dead.close();
    }
  });
});
