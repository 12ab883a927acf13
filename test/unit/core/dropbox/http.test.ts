import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import {
  errorTag,
  headerSafeJson,
  isExpiredToken,
  isRateLimited,
  mapDropboxFailure,
  mapFetchError,
  normaliseServiceUrl,
  retryAfterMs,
  rewriteDropboxUrl,
  safeText,
} from '../../../../src/core/dropbox/http';
import { dropboxApiPath } from '../../../../src/core/dropbox/session';
import { tagSummary } from '../../../../src/core/dropbox/batch';
import { dropboxAuthorizeUrl, pkcePair } from '../../../../src/core/dropbox/auth';
import { createHash } from 'node:crypto';

const h = (o: Record<string, string> = {}): Headers => new Headers(o);

describe('dropbox http', () => {
  it('Dropbox-API-Arg is plain ASCII: every character from U+007F up is \\uXXXX, and reads back as the same JSON', () => {
    const arg = { path: '/Clients/Ünïcödé 日本 \u007f 😀 "q" \\ .pdf', mode: { '.tag': 'overwrite' } };
    const header = headerSafeJson(arg);
    assert.match(header, /^[\x20-\x7e]*$/);
    assert.ok(header.includes('\\u00dc'), header);
    assert.ok(header.includes('\\ud83d\\ude00'), 'an emoji is two escaped UTF-16 units');
    assert.ok(header.includes('\\u007f'));
    assert.deepEqual(JSON.parse(header), arg);
    assert.equal(headerSafeJson({ path: '/plain.txt' }), '{"path":"/plain.txt"}');
  });

  it('the three API hosts and the sign-in page map onto one service URL; other URLs and no service URL stay', () => {
    const base = 'http://127.0.0.1:8282';
    assert.equal(rewriteDropboxUrl('https://api.dropboxapi.com/2/files/list_folder', base), `${base}/2/files/list_folder`);
    assert.equal(rewriteDropboxUrl('https://content.dropboxapi.com/2/files/download', base), `${base}/2/files/download`);
    assert.equal(rewriteDropboxUrl('https://notify.dropboxapi.com/2/files/list_folder/longpoll', base), `${base}/2/files/list_folder/longpoll`);
    assert.equal(rewriteDropboxUrl('https://api.dropboxapi.com/oauth2/token?grant_type=x', base), `${base}/oauth2/token?grant_type=x`);
    assert.equal(rewriteDropboxUrl('https://www.dropbox.com/oauth2/authorize?client_id=k', base), `${base}/oauth2/authorize?client_id=k`);
    assert.equal(rewriteDropboxUrl('https://www.dropbox.com/home', base), 'https://www.dropbox.com/home');
    assert.equal(rewriteDropboxUrl('https://api.dropboxapi.com.evil.example/2/x', base), 'https://api.dropboxapi.com.evil.example/2/x');
    assert.equal(rewriteDropboxUrl('https://api.dropboxapi.com/2/x', ''), 'https://api.dropboxapi.com/2/x');
    assert.equal(normaliseServiceUrl(' http://127.0.0.1:8282/ '), 'http://127.0.0.1:8282');
    assert.equal(normaliseServiceUrl(''), '');
    for (const bad of ['ftp://x', 'not a url', 'http://u:p@host', 'http://host/?q=1']) {
      assert.throws(
        () => normaliseServiceUrl(bad),
        (e: FileBridgeError) => e.code === 'INVALID_INPUT',
        bad,
      );
    }
  });

  it('maps Dropbox answers onto the project codes', () => {
    const code = (status: number, body: unknown, headers = h()): string => mapDropboxFailure({ status, headers, body }, 'do it', '/a.txt').code;
    assert.equal(code(409, { error_summary: 'path/not_found/..', error: { '.tag': 'path', path: { '.tag': 'not_found' } } }), 'NOT_FOUND');
    assert.equal(code(409, { error_summary: 'from_lookup/not_found/...' }), 'NOT_FOUND');
    assert.equal(code(409, { error_summary: 'path/not_folder/..' }), 'NOT_FOUND');
    assert.equal(code(409, { error_summary: 'to/conflict/file/..' }), 'CONFLICT');
    assert.equal(code(409, { error_summary: 'path/conflict/folder/...' }), 'CONFLICT');
    assert.equal(code(409, { error_summary: 'path/malformed_path/..' }), 'INVALID_INPUT');
    assert.equal(code(409, { error_summary: 'path/disallowed_name/' }), 'INVALID_INPUT');
    assert.equal(code(409, { error_summary: 'payload_too_large/..' }), 'INVALID_INPUT');
    assert.equal(code(409, { error_summary: 'path/no_write_permission/.' }), 'PERMISSION_DENIED');
    assert.equal(code(409, { error_summary: 'path/insufficient_space/' }), 'PERMISSION_DENIED');
    assert.equal(code(409, { error_summary: 'content_hash_mismatch/' }), 'CONNECTION');
    assert.equal(code(409, { error_summary: 'path/too_many_write_operations/' }), 'CONNECTION');
    assert.equal(code(401, { error_summary: 'expired_access_token/', error: { '.tag': 'expired_access_token' } }), 'AUTHENTICATION');
    assert.equal(code(401, { error_summary: 'invalid_access_token/' }), 'AUTHENTICATION');
    assert.equal(code(400, { error: 'invalid_grant', error_description: 'refresh token is malformed' }), 'AUTHENTICATION');
    assert.equal(code(400, 'Error in call to API function "files/list_folder": request body: could not decode input as JSON'), 'INVALID_INPUT');
    assert.equal(code(403, { error_summary: 'missing_scope/' }), 'PERMISSION_DENIED');
    assert.equal(code(429, { error_summary: 'too_many_requests/' }), 'CONNECTION');
    assert.equal(code(503, 'unavailable'), 'CONNECTION');
    assert.equal(code(416, ''), 'INVALID_INPUT');
    const off = mapDropboxFailure(
      {
        status: 409,
        headers: h(),
        body: {
          error_summary: 'lookup_failed/incorrect_offset/',
          error: { '.tag': 'lookup_failed', lookup_failed: { '.tag': 'incorrect_offset', correct_offset: 4194304 } },
        },
      },
      'upload',
      '/a',
    );
    assert.equal(off.details.correctOffset, 4194304);
    const nf = mapDropboxFailure({ status: 409, headers: h(), body: { error_summary: 'path/not_found/..' } }, 'download', '/Clients/x.pdf');
    assert.match(nf.message, /download.*\/Clients\/x\.pdf.*path\/not_found/);
    assert.equal(nf.details.path, '/Clients/x.pdf');
  });

  it('never echoes a token: known secrets and token-looking parameters are blanked from any text shown', () => {
    const refresh = 'sim-refresh-token-SECRET-123';
    const err = mapDropboxFailure(
      { status: 400, headers: h(), body: `bad request ?grant_type=refresh_token&refresh_token=${refresh}&client_id=k Bearer abc.def` },
      'refresh',
      undefined,
      [refresh],
    );
    assert.ok(!err.message.includes(refresh), err.message);
    assert.ok(!JSON.stringify(err.details).includes(refresh));
    assert.ok(!err.message.includes('abc.def'));
    assert.equal(safeText('x code=abcdef&y', []), 'x code=***&y');
    assert.ok(safeText('a'.repeat(1000)).length <= 303);
  });

  it('knows 429s, busy namespaces, expired tokens and Retry-After', () => {
    assert.ok(isRateLimited({ status: 429, headers: h(), body: '' }));
    assert.ok(isRateLimited({ status: 409, headers: h(), body: { error_summary: 'path/too_many_write_operations/..' } }));
    assert.ok(!isRateLimited({ status: 409, headers: h(), body: { error_summary: 'path/conflict/..' } }));
    assert.ok(isExpiredToken({ status: 401, headers: h(), body: { error_summary: 'expired_access_token/', error: { '.tag': 'expired_access_token' } } }));
    assert.ok(!isExpiredToken({ status: 401, headers: h(), body: { error_summary: 'invalid_access_token/', error: { '.tag': 'invalid_access_token' } } }));
    assert.equal(errorTag({ error: { reason: { '.tag': 'too_many_write_operations' } } }), 'too_many_write_operations');
    assert.equal(retryAfterMs({ status: 429, headers: h({ 'Retry-After': '2' }), body: '' }), 2000);
    assert.equal(retryAfterMs({ status: 429, headers: h(), body: { error: { retry_after: 1 } } }), 1000);
    assert.equal(retryAfterMs({ status: 429, headers: h({ 'Retry-After': '99999' }), body: '' }), 300_000);
    assert.equal(retryAfterMs({ status: 429, headers: h({ 'Retry-After': 'soon' }), body: '' }), undefined);
  });

  it('a fetch that throws is CONNECTION, our timeout is TIMEOUT', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    assert.equal(mapFetchError(refused, 'list').code, 'CONNECTION');
    assert.equal(mapFetchError(refused, 'list').details.errno, 'ECONNREFUSED');
    assert.equal(mapFetchError(new DOMException('t', 'TimeoutError'), 'list').code, 'TIMEOUT');
  });

  it('paths: root is "", ids pass, dot parts are refused', () => {
    assert.equal(dropboxApiPath(''), '');
    assert.equal(dropboxApiPath('/'), '');
    assert.equal(dropboxApiPath('/a/b.txt/'), '/a/b.txt');
    assert.equal(dropboxApiPath('a/b.txt'), '/a/b.txt');
    assert.equal(dropboxApiPath('id:abc123'), 'id:abc123');
    for (const bad of ['/a/../b', '/a//b', '/a/./b', '/a\0b'])
      assert.throws(
        () => dropboxApiPath(bad),
        (e: FileBridgeError) => e.code === 'INVALID_INPUT',
        bad,
      );
  });

  it('batch failures are summarised from their nested tags', () => {
    assert.equal(tagSummary({ '.tag': 'path', path: { '.tag': 'conflict', conflict: { '.tag': 'file' } } }), 'path/conflict/file');
    assert.equal(tagSummary({ '.tag': 'too_many_write_operations' }), 'too_many_write_operations');
  });

  it('PKCE: an RFC 7636 verifier and its S256 challenge; the authorize URL asks for offline access', () => {
    const { verifier, challenge } = pkcePair();
    assert.match(verifier, /^[A-Za-z0-9_-]{43,128}$/);
    assert.equal(challenge, createHash('sha256').update(verifier).digest('base64url'));
    assert.notEqual(pkcePair().verifier, verifier);
    const url = new URL(dropboxAuthorizeUrl({ appKey: 'k1', serviceUrl: 'http://127.0.0.1:8282/', codeChallenge: challenge }));
    assert.equal(url.origin + url.pathname, 'http://127.0.0.1:8282/oauth2/authorize');
    assert.equal(url.searchParams.get('client_id'), 'k1');
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('token_access_type'), 'offline');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('code_challenge'), challenge);
    assert.ok(!url.searchParams.has('redirect_uri'));
    assert.match(dropboxAuthorizeUrl({ appKey: 'k1', codeChallenge: challenge }), /^https:\/\/www\.dropbox\.com\/oauth2\/authorize\?/);
  });
});
