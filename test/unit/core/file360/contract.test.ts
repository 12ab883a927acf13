/**
 * The File 360 contract table: every route as shared/reference/file360-rest.md gives it, and no path
 * or field name of the contract anywhere else in the client (so one table serves another tenant).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { F360_BODIES, F360_CHILDREN_QUERY, F360_ROUTES, F360_TOKEN, F360_UPLOAD_FIELDS, F360_UPLOAD_QUERY } from '../../../../src/core/file360/contract';

const ID = '2599466250228733940';

describe('file360: contract table', () => {
  it('routes: methods and paths as the reference gives them', () => {
    const table = Object.fromEntries(
      Object.entries(F360_ROUTES).map(([name, r]) => [name, `${r.method} ${(r.path as (a: string, b: string) => string)(ID, '77')}`]),
    );
    assert.deepEqual(table, {
      me: 'GET /api/v1/users/me',
      children: `GET /api/v1/folders/${ID}/children`,
      createFolder: 'POST /api/v1/folders',
      upload: 'POST /api/v3/documents',
      document: `GET /api/v1/documents/${ID}`,
      content: `GET /api/v1/documents/${ID}/content`,
      moveDocument: `PUT /api/v1/documents/${ID}`,
      deleteDocument: `PUT /api/v1/documents/${ID}`,
      deleteFolder: `PUT /api/v1/folders/${ID}`,
      share: `POST /api/v1/folders/${ID}/collaborators`,
      collaborators: `GET /api/v1/folders/${ID}/collaborators`,
      unshareAll: `DELETE /api/v1/folders/${ID}/collaborators`,
      unshareOne: `DELETE /api/v1/folders/${ID}/collaborators/77`,
      searchGroups: 'GET /search/v1/user/group-all',
      searchUsers: 'GET /search/v1/user',
    });
    assert.equal(F360_TOKEN.path, '/otdsws/oauth2/token');
    assert.deepEqual(F360_BODIES.share('1', 'group', 'viewer'), { id: '1', type: 'group', role: 'viewer' });
    assert.deepEqual(F360_BODIES.delete(), { state: 'deleted' });
    assert.deepEqual(F360_BODIES.move('9'), { parentId: '9' });
    assert.deepEqual(F360_BODIES.createFolder('a', '9'), { name: 'a', parentId: '9' });
    assert.deepEqual(F360_UPLOAD_FIELDS, { parentId: 'parentId', file: 'file' });
    assert.equal(F360_UPLOAD_QUERY.collisionStrategy, 'collisionStrategy');
    assert.deepEqual([F360_CHILDREN_QUERY.limit, F360_CHILDREN_QUERY.offset, F360_CHILDREN_QUERY.order], ['limit', 'offset', 'order']);
  });

  it('an id from a message cannot change the path', () => {
    assert.equal(F360_ROUTES.document.path('../users/me'), '/api/v1/documents/..%2Fusers%2Fme');
  });

  it('no other module of the client spells a path of the contract', () => {
    const dir = join(process.cwd(), 'src', 'core', 'file360');
    for (const file of readdirSync(dir)) {
      if (file === 'contract.ts' || !file.endsWith('.ts')) continue;
      const code = readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
        .join('\n');
      assert.doesNotMatch(code, /['"`]\/(api|search|otdsws)\//, file);
      assert.doesNotMatch(code, /['"`](collisionStrategy|parentId|rootId|resourceType|access_token|grant_type)['"`]/, file);
    }
  });
});
