import { strict as assert } from 'node:assert';
import { deleteEntry, listEntries, makeFolder, moveEntry, openFile, putFile, DEFAULT_PUT_OPTIONS, PutOptions } from '../../../../src/core/remote/operations';
import { sourceMtimeOf } from '../../../../src/core/remote/remote-request';
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

describe('the modification time a put keeps', () => {
  it("is that of the bytes the message carries: a get's file, then a cs export document, then a watched file", () => {
    const file = { mtime: '2020-01-01T00:00:01Z' };
    const cs = { modifyDate: '2021-01-01T00:00:02Z' };
    const source = { mtime: '2022-01-01T00:00:03Z' };
    assert.equal(sourceMtimeOf({ file, cs, source })?.toISOString(), '2020-01-01T00:00:01.000Z');
    assert.equal(sourceMtimeOf({ cs, source })?.toISOString(), '2021-01-01T00:00:02.000Z');
    assert.equal(sourceMtimeOf({ source })?.toISOString(), '2022-01-01T00:00:03.000Z');
    // A cs-upload outcome has no modifyDate; an unreadable date is no date.
    assert.equal(sourceMtimeOf({ cs: { id: 1 }, source: { mtime: 'yesterday' } }), undefined);
    assert.equal(sourceMtimeOf({}), undefined);
  });
});
