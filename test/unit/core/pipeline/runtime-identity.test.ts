import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimOwner, runtimeIdFile, runtimeOwner } from '../../../../src/core/pipeline/runtime-identity';

describe('pipeline: runtime identity (who makes a claim)', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'filebridge-identity-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('is made once in the user directory and read back from there (a restart finds the same identity)', async () => {
    const userDir = join(work, 'a');
    await mkdir(userDir);
    const owner = runtimeOwner(userDir);
    assert.match(owner.id, /^[0-9a-f]{8}$/);
    assert.equal(owner.persistent, true);
    assert.equal((await readFile(runtimeIdFile(userDir), 'utf8')).trim(), owner.id);
    assert.equal(runtimeOwner(userDir), owner, 'one identity per user directory in a process');
    // What a restarted runtime finds: an identity file written by an earlier run.
    const restarted = join(work, 'b');
    await mkdir(join(restarted, '.filebridge'), { recursive: true });
    await writeFile(runtimeIdFile(restarted), 'c0ffee42\n');
    assert.equal(runtimeOwner(restarted).id, 'c0ffee42');
    assert.notEqual(runtimeOwner(join(work, 'c')).id, owner.id, 'another user directory, another runtime');
  });

  it('replaces a damaged identity file; an unusable user directory gives an identity for this process only, saying why', async () => {
    const damaged = join(work, 'd');
    await mkdir(join(damaged, '.filebridge'), { recursive: true });
    await writeFile(runtimeIdFile(damaged), 'not an id');
    const owner = runtimeOwner(damaged);
    assert.match(owner.id, /^[0-9a-f]{8}$/);
    assert.equal((await readFile(runtimeIdFile(damaged), 'utf8')).trim(), owner.id);
    // A file where the .filebridge folder should be.
    const blocked = join(work, 'e');
    await mkdir(blocked);
    await writeFile(join(blocked, '.filebridge'), 'x');
    const transient = runtimeOwner(blocked);
    assert.equal(transient.persistent, false);
    assert.match(transient.problem ?? '', /runtime-id cannot be used/);
    const none = runtimeOwner(undefined);
    assert.equal(none.persistent, false);
    assert.equal(none.problem, undefined);
    assert.equal(runtimeOwner(undefined), none);
  });

  it('remembers the claims this process made', () => {
    const owner = claimOwner('a1b2c3d4', 1000);
    assert.equal(owner.since, 1000);
    assert.equal(owner.madeHere('1-0123abcd'), false);
    owner.made('1-0123abcd');
    assert.equal(owner.madeHere('1-0123abcd'), true);
  });
});
