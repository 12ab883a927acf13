import assert from 'node:assert/strict';
import { classifyAnswer, classifyTransport } from '../../../../src/core/content-server/classify';

describe('content-server: error classification', () => {
  describe('error classification', () => {
    const notFound = 'Sorry, the item you requested could not be accessed. Either it does not exist or you do not have permission to access it.';
    it('recognises not-found texts on 400, 404 and 500', () => {
      assert.equal(classifyAnswer(400, '{"error":"Could not get a node for 99"}', 'GET x').code, 'NOT_FOUND');
      assert.equal(classifyAnswer(500, JSON.stringify({ error: notFound }), 'GET x').code, 'NOT_FOUND');
      assert.equal(classifyAnswer(404, JSON.stringify({ error: notFound }), 'GET x').code, 'NOT_FOUND');
    });

    it('recognises the collision text on v1 (400) and v2 (500), and 409 edit conflicts', () => {
      for (const status of [400, 500]) {
        const e = classifyAnswer(status, `{"error":"An item with the name 'a.pdf' already exists."}`, 'POST /v2/nodes');
        assert.equal(e.code, 'CONFLICT');
        assert.equal(e.retryable, false);
      }
      assert.equal(classifyAnswer(409, '{"error":"stale token"}', 'x').code, 'CONFLICT');
    });

    it('retries busy, proxy and non-JSON 5xx answers, never business errors', () => {
      for (const [status, body] of [
        [502, '<html>Bad gateway</html>'],
        [503, ''],
        [504, '{"error":"x"}'],
        [429, '{"error":"slow down"}'],
        [500, '<html><body>Oops</body></html>'],
        [500, ''],
        [500, '{"err'],
      ] as const) {
        const e = classifyAnswer(status, body, 'x');
        assert.equal(e.code, 'CONNECTION', `${status} ${body}`);
        assert.equal(e.retryable, true);
      }
      for (const [status, body] of [
        [400, '{"error":"The REST API URL could not be found in the mappings registry"}'],
        [500, '{"error":"Invalid value for attribute"}'],
        [403, '{"error":"disabled"}'],
      ] as const) {
        const e = classifyAnswer(status, body, 'x');
        assert.equal(e.retryable, false, `${status} ${body}`);
      }
      assert.equal(classifyAnswer(403, '{"error":"disabled"}', 'x').code, 'PERMISSION_DENIED');
      assert.equal(classifyAnswer(500, '{"error":"Invalid value for attribute"}', 'x').code, 'CS_REJECTED');
    });

    it('classifies refused connections as retryable CONNECTION and our timeout as TIMEOUT', () => {
      const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
      assert.equal(classifyTransport(refused, 'x', false, 1000).code, 'CONNECTION');
      assert.equal(classifyTransport(new Error('aborted'), 'x', true, 1000).code, 'TIMEOUT');
    });
  });
});
