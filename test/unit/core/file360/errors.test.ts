/** File 360 failures: project codes per status, server text shown without secrets, Retry-After read. */
import assert from 'node:assert/strict';
import { mapF360Failure, retryAfterMs, safeF360Text, transportError } from '../../../../src/core/file360/errors';

describe('file360: errors', () => {
  it('maps statuses to project codes, with the server message', () => {
    const cases: [number, string][] = [
      [400, 'INVALID_INPUT'],
      [401, 'AUTHENTICATION'],
      [403, 'PERMISSION_DENIED'],
      [404, 'NOT_FOUND'],
      [409, 'CONFLICT'],
      [413, 'INVALID_INPUT'],
      [429, 'CONNECTION'],
      [500, 'CONNECTION'],
      [503, 'CONNECTION'],
    ];
    for (const [status, code] of cases) {
      const e = mapF360Failure(status, '{"error":"conflict","message":"a.pdf exists"}', 'upload', '"a.pdf"', []);
      assert.equal(e.code, code, String(status));
      assert.match(e.message, /conflict: a\.pdf exists/);
      assert.equal(e.details.status, status);
    }
    assert.equal(mapF360Failure(404, '<html>nginx</html>', 'read', undefined, []).details.serverMessage, undefined);
  });

  it('never shows a secret or token the server echoed', () => {
    const body = JSON.stringify({ error: 'bad', message: 'token eyJhbGciOi.secret rejected; client_secret=sim-secret; Bearer abc.def; "password":"hunter2"' });
    const e = mapF360Failure(401, body, 'list', undefined, ['eyJhbGciOi.secret', 'sim-secret']);
    for (const s of ['eyJhbGciOi.secret', 'sim-secret', 'abc.def', 'hunter2']) assert.ok(!e.message.includes(s), `${s} in ${e.message}`);
    assert.ok(!JSON.stringify(e.details).includes('sim-secret'));
    assert.equal(safeF360Text('a\u0000b\r\nc'), 'a b c');
    assert.ok(safeF360Text('x'.repeat(1000)).length <= 303);
  });

  it('Retry-After in seconds or as a date, capped', () => {
    assert.equal(retryAfterMs('2'), 2000);
    assert.equal(retryAfterMs('0.5'), 500);
    assert.equal(retryAfterMs('99999'), 300_000);
    assert.equal(retryAfterMs(null), undefined);
    assert.equal(retryAfterMs('soon'), undefined);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', 300_000, now), 3000);
  });

  it('transport failures: timeouts are TIMEOUT, refused connections CONNECTION with the errno', () => {
    assert.equal(transportError(new DOMException('x', 'TimeoutError'), 'GET x').code, 'TIMEOUT');
    const refused = transportError(new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }), 'GET x');
    assert.equal(refused.code, 'CONNECTION');
    assert.equal(refused.details.errno, 'ECONNREFUSED');
  });
});
