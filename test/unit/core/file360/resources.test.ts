/** File 360 answers read strictly: ids as strings, counts as numbers, names checked, both list shapes. */
import assert from 'node:assert/strict';
import { FileBridgeError } from '../../../../src/core/errors';
import { listItems, parseCollaborators, parseMe, parsePrincipals, parseResource, parseResourceList } from '../../../../src/core/file360/resources';
import { parseToken } from '../../../../src/core/file360/auth';
import { folderPathParts } from '../../../../src/core/file360/client';

const isCode = (code: string) => (e: unknown) => e instanceof FileBridgeError && e.code === code;

describe('file360: resources', () => {
  it('reads a resource as the reference shows it', () => {
    const r = parseResource(
      {
        id: '2599466250228733940',
        name: 'Global Trade AG (50031)',
        size: 0,
        created: '2024-05-09T13:55:24.899Z',
        lastModified: '2024-05-09T13:55:33.069Z',
        shareCount: 2,
        isShared: true,
        parentId: '2599466244163770353',
        uri: '/api/v1/folders/2599466250228733940',
        resourceType: 'folder',
        childCount: 7,
      },
      'GET x',
    );
    assert.deepEqual(r, {
      id: '2599466250228733940',
      name: 'Global Trade AG (50031)',
      kind: 'folder',
      parentId: '2599466244163770353',
      size: 0,
      created: '2024-05-09T13:55:24.899Z',
      lastModified: '2024-05-09T13:55:33.069Z',
      isShared: true,
      shareCount: 2,
      childCount: 7,
    });
  });

  it("takes pyxecm's userRoot variants: resourceType 1, childCount '4', a safe numeric id", () => {
    const r = parseResource({ id: 42, name: 'Files', resourceType: 1, childCount: '4', parentId: null }, 'x');
    assert.equal(r.id, '42');
    assert.equal(r.kind, 'folder');
    assert.equal(r.childCount, 4);
    assert.equal(r.parentId, undefined);
    assert.equal(parseResource({ id: '7', name: 'a.pdf', resourceType: 'document', size: 10 }, 'x').kind, 'document');
  });

  it('refuses items without id, with an unsafe numeric id, or with a name that is a path', () => {
    assert.throws(() => parseResource({ name: 'a', resourceType: 'folder' }, 'x'), isCode('CONNECTION'));
    assert.throws(() => parseResource({ id: 2 ** 60, name: 'a', resourceType: 'folder' }, 'x'), isCode('CONNECTION'));
    for (const name of ['../etc', 'a/b', '..', 'a\nb', 'a\\b', ''])
      assert.throws(() => parseResource({ id: '1', name, resourceType: 'folder' }, 'x'), isCode('CONNECTION'), name);
  });

  it('a listing is a bare array or wrapped in results; anything else is refused', () => {
    const item = { id: '1', name: 'a', resourceType: 'document' };
    assert.equal(parseResourceList([item], 'x').length, 1);
    assert.equal(parseResourceList({ results: [item] }, 'x').length, 1);
    assert.throws(() => listItems({ items: [] }, 'x'), isCode('CONNECTION'));
  });

  it('users/me gives id and rootId (as strings) and a display name', () => {
    assert.deepEqual(parseMe({ id: '2584911925942946703', rootId: '2584911935422073756', firstName: 'Ken', lastName: 'Sato', email: 'k@x' }, 'x'), {
      id: '2584911925942946703',
      rootId: '2584911935422073756',
      email: 'k@x',
      displayName: 'Ken Sato',
    });
    assert.throws(() => parseMe({ id: '1' }, 'x'), isCode('CONNECTION'));
  });

  it('search answers give principals of the asked type; collaborators read from a list or results', () => {
    const groups = parsePrincipals(
      {
        results: [
          { id: '2593534258421173790', type: 'group', name: 'Innovate', displayName: 'Innovate' },
          { id: '3', type: 'user', name: 'x' },
        ],
        total: 2,
      },
      'x',
      'group',
    );
    assert.deepEqual(groups, [{ id: '2593534258421173790', type: 'group', name: 'Innovate' }]);
    const users = parsePrincipals({ results: [{ id: '9', type: 'user', displayName: 'Andy Wyatt', email: 'a@x' }] }, 'x', 'user');
    assert.deepEqual(users, [{ id: '9', type: 'user', name: 'Andy Wyatt', email: 'a@x' }]);
    assert.deepEqual(
      parseCollaborators(
        [
          { id: '5', type: 'group', role: 'viewer', name: 'Auditors' },
          { id: '6', type: 'robot' },
        ],
        'x',
      ),
      [{ id: '5', type: 'group', role: 'viewer', name: 'Auditors' }],
    );
    assert.equal(parseCollaborators({ collaborators: [{ id: '5', type: 'user' }] }, 'x').length, 1);
  });

  it('the token answer needs an access token; expires_in may be digits', () => {
    assert.deepEqual(parseToken({ access_token: 'abc', token_type: 'Bearer', expires_in: '3600' }), { accessToken: 'abc', expiresInSeconds: 3600 });
    assert.throws(() => parseToken({ token_type: 'Bearer' }), isCode('AUTHENTICATION'));
    assert.throws(() => parseToken({ access_token: 'a b\r\nX-Injected: 1' }), isCode('AUTHENTICATION'));
  });

  it('folder paths: slash-separated names, empty parts ignored, . and .. refused', () => {
    assert.deepEqual(folderPathParts('/Suppliers//ACME/2026/'), ['Suppliers', 'ACME', '2026']);
    assert.deepEqual(folderPathParts(''), []);
    assert.throws(() => folderPathParts('Suppliers/../Audit'), isCode('INVALID_INPUT'));
    assert.throws(() => folderPathParts('a/\u0000b'), isCode('INVALID_INPUT'));
  });
});
