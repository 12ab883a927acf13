import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import { fillHeader, fillPath, fillTemplate, parseTemplate, restRequestSettingsFromConfig } from '../../../../src/core/rest/request-config';
import { failureFacts, fileNameFromDisposition, idempotencyKeyOf, joinUrl } from '../../../../src/core/rest/request-run';

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FileBridgeError, String(err));
    assert.equal(err.code, 'INVALID_INPUT');
    assert.match(err.message, pattern);
    return true;
  });
}

const at = new Date(Date.UTC(2026, 11, 7, 9, 5, 3));

describe('rest request settings (src/core/rest/request-config.ts)', () => {
  it('defaults: GET, no body, JSON, one message, no paging', () => {
    const s = restRequestSettingsFromConfig({});
    assert.equal(s.method, 'GET');
    assert.equal(s.body, 'none');
    assert.equal(s.response, 'json');
    assert.equal(s.emit, 'one');
    assert.equal(s.paging.style, 'none');
    assert.equal(s.batchSize, 500);
    assert.equal(s.perRecord, false);
  });

  it('fills path tokens from msg, fields, the file name and the date, each value one URL-encoded segment', () => {
    const t = parseTemplate('/orders/{msg.order.id}/{fields.supplier}/{base}-{yyyy}{MM}{dd}.{ext}', 'Path', false);
    const path = fillPath(t, { msg: { order: { id: 'A/B?x' } }, fields: { supplier: 'ACME & Co' }, name: 'inv 1.pdf', at });
    assert.equal(path, '/orders/A%2FB%3Fx/ACME%20%26%20Co/inv%201-20261207.pdf');
  });

  it('refuses an unknown token naming the known ones, {record.x} without one record per request, and a stray brace', () => {
    refused(() => restRequestSettingsFromConfig({ path: '/products/{sku}' }), /unknown token \{sku\}.*\{msg\.<property>\}/);
    refused(() => restRequestSettingsFromConfig({ path: '/products/{record.sku}', method: 'POST', body: 'records', batchSize: 2 }), /batch size 1/);
    refused(() => restRequestSettingsFromConfig({ path: '/a}b' }), /opens or closes no token/);
    const ok = restRequestSettingsFromConfig({ path: '/products/{record.sku}', method: 'PUT', body: 'records', batchSize: 1 });
    assert.equal(ok.perRecord, true);
  });

  it('a missing or non-scalar value fails naming it; an absolute path or a ? in the path is refused', () => {
    const t = parseTemplate('/p/{fields.sku}', 'Path', false);
    refused(() => fillPath(t, { msg: {}, fields: {}, name: '', at }), /msg\.filebridge\.fields\.sku/);
    refused(() => fillPath(parseTemplate('/p/{msg.x}', 'Path', false), { msg: { x: { y: 1 } }, name: '', at }), /msg\.x is object/);
    refused(() => restRequestSettingsFromConfig({ path: 'https://evil.example/x' }), /relative/);
    refused(() => restRequestSettingsFromConfig({ path: '/p?a=1' }), /Query list/);
  });

  it('a header value with a line break is refused (a value from a message cannot add a header)', () => {
    const t = parseTemplate('{msg.h}', 'Headers X-Test', false);
    refused(() => fillHeader('X-Test', t, { msg: { h: 'a\r\nInjected: 1' }, name: '', at }), /line break/);
    assert.equal(fillTemplate(t, { msg: { h: 'fine' }, name: '', at }), 'fine');
  });

  it('refuses combinations that cannot work, naming the field', () => {
    refused(() => restRequestSettingsFromConfig({ paging: 'offset', emit: 'one' }), /paging/);
    refused(() => restRequestSettingsFromConfig({ paging: 'nextLink', emit: 'page' }), /Next link/);
    refused(() => restRequestSettingsFromConfig({ paging: 'cursor', emit: 'record' }), /Next cursor/);
    refused(() => restRequestSettingsFromConfig({ method: 'GET', body: 'json' }), /sends no body/);
    refused(() => restRequestSettingsFromConfig({ response: 'stream', emit: 'page', paging: 'offset' }), /Response JSON/);
    refused(() => restRequestSettingsFromConfig({ batchSize: 0 }), /Batch size/);
    refused(() => restRequestSettingsFromConfig({ headers: [{ name: 'Bad Header', value: 'x' }] }), /not a header name/);
    refused(() => restRequestSettingsFromConfig({ fileName: 'out/{yyyy}.csv', emit: 'file', paging: 'page' }), /without folders/);
  });
});

describe('rest request run helpers (src/core/rest/request-run.ts)', () => {
  it('the idempotency key depends on method, path and body only', () => {
    const k = idempotencyKeyOf('POST', '/products/batch', '[{"sku":"A"}]');
    assert.match(k, /^[0-9a-f]{64}$/);
    assert.equal(idempotencyKeyOf('POST', '/products/batch', '[{"sku":"A"}]'), k);
    assert.notEqual(idempotencyKeyOf('POST', '/products/batch', '[{"sku":"B"}]'), k);
    assert.notEqual(idempotencyKeyOf('PUT', '/products/batch', '[{"sku":"A"}]'), k);
    assert.notEqual(idempotencyKeyOf('POST', '/products', '/batch[{"sku":"A"}]'), k);
  });

  it('a file name from Content-Disposition is reduced to a plain name (untrusted)', () => {
    assert.equal(fileNameFromDisposition('attachment; filename="report.pdf"'), 'report.pdf');
    assert.equal(fileNameFromDisposition(`attachment; filename="a_b.pdf"; filename*=UTF-8''%C3%A4%20b.pdf`), 'ä b.pdf');
    assert.equal(fileNameFromDisposition('attachment; filename="../../etc/passwd"'), 'passwd');
    assert.equal(fileNameFromDisposition('attachment; filename="..\\\\..\\\\win.ini"'), 'win.ini');
    assert.equal(fileNameFromDisposition('attachment; filename=".."'), undefined);
    assert.equal(fileNameFromDisposition('attachment; filename="a\u0000b\r\n.txt"'), 'ab.txt');
    assert.equal(fileNameFromDisposition(undefined), undefined);
  });

  it('failure facts carry status, url, error text, field errors and the batch; none for a failure before any call', () => {
    const err = new FileBridgeError('API_REJECTED', 'x', {
      status: 422,
      method: 'POST',
      url: 'https://api/p',
      errorText: 'bad',
      fieldErrors: [{ index: 0, field: 'price', message: 'must be >= 0' }],
      batch: 3,
      firstRecord: 1001,
    });
    assert.deepEqual(failureFacts(err, 'conn', 'POST'), {
      connection: 'conn',
      method: 'POST',
      url: 'https://api/p',
      status: 422,
      failure: { code: 'API_REJECTED', errorText: 'bad', fieldErrors: [{ index: 0, field: 'price', message: 'must be >= 0' }], batch: 3, firstRecord: 1001 },
    });
    assert.equal(failureFacts(new FileBridgeError('INVALID_INPUT', 'no'), 'conn', 'GET'), undefined);
    assert.equal(joinUrl('https://api/v1/', '/p'), 'https://api/v1/p');
  });
});
