import { strict as assert } from 'node:assert';
import { deleteEntry, listEntries, makeFolder, moveEntry, openFile, putFile, DEFAULT_PUT_OPTIONS, PutOptions } from '../../../../src/core/remote/operations';
import { SessionPool } from '../../../../src/core/remote/session-pool';
import type { RemoteSession } from '../../../../src/core/remote/types';
import { expectCode } from '../../../support/expect-code';

const put = (overrides: Partial<PutOptions> = {}): PutOptions => ({ ...DEFAULT_PUT_OPTIONS, ...overrides });

describe('remote paths are checked before any server is contacted', () => {
  it('refuses .. segments and NUL bytes with INVALID_INPUT and never opens a connection', async () => {
    let opened = 0;
    const pool = new SessionPool<RemoteSession>(async () => {
      opened++;
      throw new Error('must not connect');
    });
    await expectCode(putFile(pool, 'inbox/../etc/passwd', 'x', put()), 'INVALID_INPUT', /\.\./);
    await expectCode(openFile(pool, 'inbox/a\0b'), 'INVALID_INPUT', /NUL/);
    await expectCode(listEntries(pool, '../'), 'INVALID_INPUT');
    await expectCode(moveEntry(pool, 'a', 'b/../../c', { overwrite: false, createFolders: true }), 'INVALID_INPUT');
    await expectCode(deleteEntry(pool, '..', { missingOk: true, folder: true }), 'INVALID_INPUT');
    await expectCode(makeFolder(pool, 'x/..'), 'INVALID_INPUT');
    assert.equal(opened, 0);
    await pool.close();
  });
});
