/**
 * The user, folder and document routes (routes-resources.ts): users/me and users, children with
 * limit/offset/order/filter, folder create, the multipart upload under each collisionStrategy,
 * document metadata, content with Content-Disposition, move and delete to the trash.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { call, freshFolder, resultsOf, uploadDocument, useFile360Sim } from '../../../../support/file360-sim';

type Res = Record<string, unknown> & { id: string; name: string };

describe('File 360 simulator: folders and documents', function () {
  const used = useFile360Sim();
  const get = (path: string) => call(used.sim, 'GET', path, { token: used.token });

  describe('users', function () {
    it('answers users/me with rootId, users as a bare list and users/{id} with isConfirmed', async function () {
      const me = (await get('/api/v1/users/me')).json as Res & { rootId: string; email: string };
      assert.equal(me.id, used.sim.userId);
      assert.equal(me.rootId, used.sim.rootId);
      assert.equal(me.email, 'sim.user@example.com');
      const users = await get('/api/v1/users');
      assert.ok(Array.isArray(users.json));
      assert.ok((users.json as Res[]).length >= 5);
      const one = (await get(`/api/v1/users/${me.id}`)).json as { isConfirmed: boolean; rootId: string };
      assert.equal(one.isConfirmed, true);
      assert.equal(one.rootId, me.rootId);
      assert.equal((await get('/api/v1/users/1')).status, 404);
    });
  });

  describe('children', function () {
    it('lists the seeded folders with the resource fields of the contract', async function () {
      const a = await get(`/api/v1/folders/${used.sim.rootId}/children?limit=25&order=lastModified:desc&filter=any`);
      assert.equal(a.status, 200);
      const byName = new Map(resultsOf(a).map((r) => [r.name as string, r]));
      const suppliers = byName.get('Suppliers');
      assert.ok(suppliers);
      for (const k of ['id', 'name', 'size', 'created', 'lastModified', 'parentId', 'uri', 'resourceType', 'isShared', 'shareCount', 'childCount'])
        assert.ok(k in suppliers, `${k} in a folder resource`);
      assert.equal(suppliers.resourceType, 'folder');
      assert.equal(suppliers.parentId, used.sim.rootId);
      assert.equal(suppliers.uri, `/api/v1/folders/${String(suppliers.id)}`);
      assert.equal(suppliers.childCount, 1);
      const audit = byName.get('Audit');
      assert.equal(audit?.isShared, true);
      assert.equal(audit?.shareCount, 1);
      const acme = resultsOf(await get(`/api/v1/folders/${String(suppliers.id)}/children`));
      assert.deepEqual(
        acme.map((r) => r.name),
        ['ACME'],
      );
      const price = resultsOf(await get(`/api/v1/folders/${String(acme[0]?.id)}/children`))[0];
      assert.equal(price?.resourceType, 'document');
      assert.equal(price?.uri, `/api/v1/documents/${String(price?.id)}`);
      assert.equal(price?.size, 33);
    });

    it('pages with limit and offset (no offset on the first page) without overlaps or gaps, in every order', async function () {
      const folder = await freshFolder(used);
      for (let i = 0; i < 57; i++) {
        const up = await uploadDocument(used.sim, used.token, folder, `doc-${String(i).padStart(2, '0')}.txt`, 'x'.repeat(i));
        assert.equal(up.status, 201, up.text);
      }
      for (const order of ['lastModified:desc', 'name:asc', 'name:desc', 'size:desc', 'created:asc']) {
        const seen: string[] = [];
        for (let offset = 0; ; offset += 25) {
          const page = resultsOf(await get(`/api/v1/folders/${folder}/children?limit=25${offset ? `&offset=${offset}` : ''}&order=${order}&filter=any`));
          seen.push(...page.map((r) => r.name as string));
          if (page.length < 25) break;
        }
        assert.equal(seen.length, 57, order);
        assert.equal(new Set(seen).size, 57, order);
        if (order === 'name:asc') assert.deepEqual(seen, [...seen].sort());
        if (order === 'name:desc') assert.deepEqual(seen, [...seen].sort().reverse());
        if (order === 'size:desc') assert.equal(seen[0], 'doc-56.txt');
      }
      assert.equal(resultsOf(await get(`/api/v1/folders/${folder}/children?limit=100`)).length, 57);
    });

    it('refuses a limit above 100, a bad order or filter, and an unknown or document id', async function () {
      assert.equal((await get(`/api/v1/folders/${used.sim.rootId}/children?limit=101`)).status, 400);
      assert.equal((await get(`/api/v1/folders/${used.sim.rootId}/children?limit=0`)).status, 400);
      assert.equal((await get(`/api/v1/folders/${used.sim.rootId}/children?offset=-1`)).status, 400);
      assert.equal((await get(`/api/v1/folders/${used.sim.rootId}/children?order=colour:asc`)).status, 400);
      assert.equal((await get(`/api/v1/folders/${used.sim.rootId}/children?order=name`)).status, 400);
      assert.equal((await get(`/api/v1/folders/${used.sim.rootId}/children?filter=folders`)).status, 400);
      assert.equal((await get('/api/v1/folders/9007199254740993/children')).status, 404);
      assert.equal((await get('/api/v1/folders/abc/children')).status, 400);
      const doc = used.sim.documentAt('/Marketing/Brand Guide.txt');
      assert.equal((await get(`/api/v1/folders/${doc?.id ?? ''}/children`)).status, 404);
    });
  });

  describe('folders', function () {
    it('creates a folder (201, the resource) and refuses a taken name (409), a bad name (400) and an unknown parent (404)', async function () {
      const parent = await freshFolder(used);
      const a = await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: '2026 Q1 — Ürün', parentId: parent } });
      assert.equal(a.status, 201, a.text);
      const f = a.json as Res;
      assert.equal(f.name, '2026 Q1 — Ürün');
      assert.equal(f.parentId, parent);
      assert.equal(f.resourceType, 'folder');
      assert.equal(f.childCount, 0);
      const again = await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: '2026 Q1 — Ürün', parentId: parent } });
      assert.equal(again.status, 409);
      assert.equal((again.json as { error: string }).error, 'conflict');
      // Names compare exactly: another case is another folder.
      assert.equal((await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: '2026 q1 — ürün', parentId: parent } })).status, 201);
      for (const name of ['', 'a/b', 'a\\b', '..', 'x'.repeat(256), 'tab\there'])
        assert.equal((await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name, parentId: parent } })).status, 400, name);
      assert.equal((await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: 'n', parentId: '9007199254740995' } })).status, 404);
      assert.equal((await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: 'n' } })).status, 400);
    });
  });

  describe('upload', function () {
    it('stores the bytes on disk and answers the document resource (201)', async function () {
      const folder = await freshFolder(used);
      const bytes = Buffer.from('id;amount\n1;2.50\n');
      const a = await uploadDocument(used.sim, used.token, folder, 'Invoice 7.csv', bytes);
      assert.equal(a.status, 201, a.text);
      const doc = a.json as Res;
      assert.equal(doc.name, 'Invoice 7.csv');
      assert.equal(doc.size, bytes.length);
      assert.equal(doc.parentId, folder);
      assert.equal(doc.resourceType, 'document');
      assert.equal(readFileSync(used.sim.contentFile(doc.id) ?? '').toString(), bytes.toString());
      const state = used.sim.state().documents.find((d) => d.id === doc.id);
      assert.equal(state?.sha256, createHash('sha256').update(bytes).digest('hex'));
    });

    it('keeps non-ASCII and quoted names exactly', async function () {
      const folder = await freshFolder(used);
      for (const name of ['Übersicht café 😀.pdf', 'say "hi".txt', "it's (final).txt"]) {
        const a = await uploadDocument(used.sim, used.token, folder, name, 'x');
        assert.equal(a.status, 201, a.text);
        assert.equal((a.json as Res).name, name);
      }
    });

    it('collisionStrategy=fail: 409 {"error":"conflict"} and the first document unchanged', async function () {
      const folder = await freshFolder(used);
      const first = (await uploadDocument(used.sim, used.token, folder, 'a.txt', 'one', 'fail')).json as Res;
      const second = await uploadDocument(used.sim, used.token, folder, 'a.txt', 'two', 'fail');
      assert.equal(second.status, 409);
      assert.equal((second.json as { error: string }).error, 'conflict');
      assert.equal(readFileSync(used.sim.contentFile(first.id) ?? '').toString(), 'one');
      assert.equal(resultsOf(await get(`/api/v1/folders/${folder}/children`)).length, 1);
    });

    it('collisionStrategy=overwrite: the same document (id) with the new bytes (200)', async function () {
      const folder = await freshFolder(used);
      const first = (await uploadDocument(used.sim, used.token, folder, 'a.txt', 'one', 'overwrite')).json as Res;
      const second = await uploadDocument(used.sim, used.token, folder, 'a.txt', 'three', 'overwrite');
      assert.equal(second.status, 200, second.text);
      assert.equal((second.json as Res).id, first.id);
      assert.equal((second.json as Res).size, 5);
      assert.equal(readFileSync(used.sim.contentFile(first.id) ?? '').toString(), 'three');
      assert.equal(resultsOf(await get(`/api/v1/folders/${folder}/children`)).length, 1);
    });

    it('collisionStrategy=rename: a new document under a free name, both kept', async function () {
      const folder = await freshFolder(used);
      await uploadDocument(used.sim, used.token, folder, 'report.pdf', 'one', 'rename');
      const second = await uploadDocument(used.sim, used.token, folder, 'report.pdf', 'two', 'rename');
      const third = await uploadDocument(used.sim, used.token, folder, 'report.pdf', 'three', 'rename');
      assert.equal(second.status, 201);
      assert.equal((second.json as Res).name, 'report (1).pdf');
      assert.equal((third.json as Res).name, 'report (2).pdf');
      const names = resultsOf(await get(`/api/v1/folders/${folder}/children?order=name:asc`)).map((r) => r.name);
      assert.deepEqual(names, ['report (1).pdf', 'report (2).pdf', 'report.pdf']);
    });

    it('a folder of the same name: fail and overwrite 409, rename finds a free name', async function () {
      const folder = await freshFolder(used);
      await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: 'data', parentId: folder } });
      assert.equal((await uploadDocument(used.sim, used.token, folder, 'data', 'x', 'fail')).status, 409);
      assert.equal((await uploadDocument(used.sim, used.token, folder, 'data', 'x', 'overwrite')).status, 409);
      assert.equal(((await uploadDocument(used.sim, used.token, folder, 'data', 'x', 'rename')).json as Res).name, 'data (1)');
    });

    it('refuses a missing or unknown collisionStrategy, a missing parentId or file, and an unknown field', async function () {
      const folder = await freshFolder(used);
      assert.equal((await uploadDocument(used.sim, used.token, folder, 'a.txt', 'x', 'replace')).status, 400);
      const noStrategy = await fetch(`${used.sim.url}/api/v3/documents`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${used.token}` },
        body: (() => {
          const f = new FormData();
          f.append('parentId', folder);
          f.append('file', new Blob(['x']), 'a.txt');
          return f;
        })(),
      });
      assert.equal(noStrategy.status, 400);
      const send = async (fill: (f: FormData) => void) => {
        const f = new FormData();
        fill(f);
        return fetch(`${used.sim.url}/api/v3/documents?collisionStrategy=fail`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${used.token}` },
          body: f,
        });
      };
      const noParent = await send((f) => f.append('file', new Blob(['x']), 'a.txt'));
      assert.equal(noParent.status, 400);
      assert.match(await noParent.text(), /parentId/);
      const noFile = await send((f) => f.append('parentId', folder));
      assert.equal(noFile.status, 400);
      const extra = await send((f) => {
        f.append('parentId', folder);
        f.append('name', 'other.txt');
        f.append('file', new Blob(['x']), 'a.txt');
      });
      assert.equal(extra.status, 400);
      assert.match(await extra.text(), /unknown multipart field 'name'/);
      const json = await call(used.sim, 'POST', '/api/v3/documents?collisionStrategy=fail', { token: used.token, json: { parentId: folder } });
      assert.equal(json.status, 400);
      assert.equal(resultsOf(await get(`/api/v1/folders/${folder}/children`)).length, 0);
    });
  });

  describe('documents', function () {
    it('answers metadata and streams the content with Content-Disposition (RFC 6266 filename and RFC 5987 filename*)', async function () {
      const folder = await freshFolder(used);
      const doc = (await uploadDocument(used.sim, used.token, folder, 'Prüfbericht "Q1" (final).csv', 'a,b\n')).json as Res;
      const meta = await get(`/api/v1/documents/${doc.id}`);
      assert.equal(meta.status, 200);
      assert.equal((meta.json as Res).name, 'Prüfbericht "Q1" (final).csv');
      const res = await fetch(`${used.sim.url}/api/v1/documents/${doc.id}/content`, { headers: { Authorization: `Bearer ${used.token}` } });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'a,b\n');
      assert.equal(res.headers.get('content-length'), '4');
      assert.equal(res.headers.get('content-type'), 'text/csv');
      const cd = res.headers.get('content-disposition') ?? '';
      assert.equal(cd, `attachment; filename="Pr_fbericht _Q1_ (final).csv"; filename*=UTF-8''Pr%C3%BCfbericht%20%22Q1%22%20%28final%29.csv`);
      const star = /filename\*=UTF-8''(.+)$/.exec(cd)?.[1] ?? '';
      assert.equal(decodeURIComponent(star), 'Prüfbericht "Q1" (final).csv');
      assert.equal((await get(`/api/v1/documents/${folder}`)).status, 404, 'a folder id is not a document');
      assert.equal((await get(`/api/v1/documents/${folder}/content`)).status, 404);
    });

    it('moves a document with PUT {"parentId"}, refusing a taken name (409) and an unknown target (404)', async function () {
      const a = await freshFolder(used);
      const b = await freshFolder(used);
      const doc = (await uploadDocument(used.sim, used.token, a, 'm.txt', 'm')).json as Res;
      const moved = await call(used.sim, 'PUT', `/api/v1/documents/${doc.id}`, { token: used.token, json: { parentId: b } });
      assert.equal(moved.status, 200, moved.text);
      assert.equal((moved.json as Res).parentId, b);
      assert.equal(resultsOf(await get(`/api/v1/folders/${a}/children`)).length, 0);
      assert.deepEqual(
        resultsOf(await get(`/api/v1/folders/${b}/children`)).map((r) => r.id),
        [doc.id],
      );
      await uploadDocument(used.sim, used.token, a, 'm.txt', 'other');
      assert.equal((await call(used.sim, 'PUT', `/api/v1/documents/${doc.id}`, { token: used.token, json: { parentId: a } })).status, 409);
      assert.equal((await call(used.sim, 'PUT', `/api/v1/documents/${doc.id}`, { token: used.token, json: { parentId: '9007199254740997' } })).status, 404);
      assert.equal((await call(used.sim, 'PUT', `/api/v1/documents/${doc.id}`, { token: used.token, json: { parentId: b, state: 'deleted' } })).status, 400);
      assert.equal((await call(used.sim, 'PUT', `/api/v1/documents/${doc.id}`, { token: used.token, json: { name: 'x' } })).status, 400);
    });

    it('deletes documents and folders to the trash with PUT {"state":"deleted"}: a non-empty answer, gone from listings and lookups', async function () {
      const folder = await freshFolder(used);
      const sub = ((await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: 'sub', parentId: folder } })).json as Res).id;
      const doc = (await uploadDocument(used.sim, used.token, folder, 'd.txt', 'd')).json as Res;
      const inner = (await uploadDocument(used.sim, used.token, sub, 'inner.txt', 'i')).json as Res;
      const del = await call(used.sim, 'PUT', `/api/v1/documents/${doc.id}`, { token: used.token, json: { state: 'deleted' } });
      assert.equal(del.status, 200);
      assert.equal((del.json as Res).isDeleted, true);
      assert.equal((await get(`/api/v1/documents/${doc.id}`)).status, 404);
      assert.deepEqual(
        resultsOf(await get(`/api/v1/folders/${folder}/children`)).map((r) => r.name),
        ['sub'],
      );
      const delFolder = await call(used.sim, 'PUT', `/api/v1/folders/${sub}`, { token: used.token, json: { state: 'deleted' } });
      assert.equal(delFolder.status, 200);
      assert.equal(resultsOf(await get(`/api/v1/folders/${folder}/children`)).length, 0);
      assert.equal((await get(`/api/v1/documents/${inner.id}`)).status, 404, 'a document in a deleted folder is gone too');
      assert.ok(used.sim.state().trash.some((t) => t.id === doc.id));
      assert.equal((await call(used.sim, 'PUT', `/api/v1/folders/${used.sim.rootId}`, { token: used.token, json: { state: 'deleted' } })).status, 403);
      assert.equal((await call(used.sim, 'PUT', `/api/v1/folders/${folder}`, { token: used.token, json: { state: 'gone' } })).status, 400);
      assert.equal((await call(used.sim, 'PUT', `/api/v1/folders/${folder}`, { token: used.token, json: { parentId: used.sim.rootId } })).status, 400);
    });
  });
});
