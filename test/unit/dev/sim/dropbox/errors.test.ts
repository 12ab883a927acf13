/** The Dropbox simulator's error shapes (errors.ts): error_summary is the chain of tags, as Dropbox writes it. */
import assert from 'node:assert/strict';
import { authError, rateLimited, routeError, summaryOf, writeError } from '../../../../../dev/sim/dropbox/errors';

describe('Dropbox simulator errors', function () {
  it('summarises nested unions and struct members (reason) into the tag chain', function () {
    assert.equal(summaryOf({ '.tag': 'path', path: { '.tag': 'not_found' } }), 'path/not_found/..');
    assert.equal(summaryOf({ '.tag': 'path', reason: { '.tag': 'conflict', conflict: { '.tag': 'file' } }, upload_session_id: 'x' }), 'path/conflict/file/..');
    assert.equal(summaryOf({ '.tag': 'lookup_failed', lookup_failed: { '.tag': 'incorrect_offset', correct_offset: 3 } }), 'lookup_failed/incorrect_offset/..');
    assert.equal(
      summaryOf({ '.tag': 'shared_link_already_exists', shared_link_already_exists: { '.tag': 'metadata', metadata: { '.tag': 'file', url: 'u' } } }),
      'shared_link_already_exists/metadata/..',
    );
  });

  it('builds 409, 401 and 429 answers in Dropbox shape', function () {
    const conflict = routeError(writeError('conflict', 'folder', 'to'));
    assert.equal(conflict.status, 409);
    assert.deepEqual(conflict.body, {
      error_summary: 'to/conflict/folder/..',
      error: { '.tag': 'to', to: { '.tag': 'conflict', conflict: { '.tag': 'folder' } } },
    });
    assert.deepEqual(authError('expired_access_token').body, { error_summary: 'expired_access_token/..', error: { '.tag': 'expired_access_token' } });
    const limited = rateLimited('too_many_write_operations', 4);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers['Retry-After'], '4');
  });
});
