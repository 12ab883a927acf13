import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../src/core/errors';

/** Resolves with the FileBridgeError `promise` fails with, after checking its code (and message); fails when it succeeds. */
export async function expectCode(promise: Promise<unknown>, code: string, messagePart?: RegExp): Promise<FileBridgeError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof FileBridgeError, `expected a FileBridgeError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    if (messagePart) assert.match(err.message, messagePart);
    return err;
  }
  assert.fail(`expected ${code}, but the operation succeeded`);
}
