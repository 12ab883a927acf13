import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import { claimError } from '../../../../src/core/pipeline/unclaimable';

describe('pipeline: a claim that failed', () => {
  const coded = (err: FileBridgeError): string => claimError('in/a.pdf', 'in/.filebridge/processing/x~a.pdf', err, 1, 5).code;

  it('a rename the server refused by its reply is INVALID_INPUT (the server does not take the name)', () => {
    assert.equal(coded(new FileBridgeError('CONNECTION', 'server answered 501 bad name', { ftpReply: 501 })), 'INVALID_INPUT');
    assert.equal(coded(new FileBridgeError('CONNECTION', 'bad message', { sftpStatus: 5 })), 'INVALID_INPUT');
  });

  it('a connection that broke stays CONNECTION (a server restarted in the middle: the file is simply tried again)', () => {
    assert.equal(coded(new FileBridgeError('CONNECTION', 'connection failed: read ECONNRESET (control socket)')), 'CONNECTION');
    assert.equal(coded(new FileBridgeError('CONNECTION', 'server answered 421 closing', { ftpReply: 421 })), 'CONNECTION');
    assert.equal(coded(new FileBridgeError('CONNECTION', 'connection lost', { sftpStatus: 7 })), 'CONNECTION');
  });

  it('keeps a clear code, and says it is tried again', () => {
    const err = claimError('in/a.pdf', 'in/.filebridge/processing/x~a.pdf', new FileBridgeError('PERMISSION_DENIED', 'denied', { ftpReply: 553 }), 1, 5);
    assert.equal(err.code, 'PERMISSION_DENIED');
    assert.match(
      err.message,
      /^Could not claim in\/a\.pdf: denied It is tried again on the next polls \(try 1 of 5, then it is set aside\); the other files go on\.$/,
    );
  });
});
