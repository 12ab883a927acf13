/** The read-only web page (ui.ts): folders, documents, sizes, sha256, collaborators, escaped names, no script. */
import assert from 'node:assert/strict';
import { fetchSimPage } from '../../../../support/sim-cli';
import { freshFolder, uploadDocument, useFile360Sim } from '../../../../support/file360-sim';

describe('File 360 simulator: web page', function () {
  const used = useFile360Sim();

  it('shows folders, documents with size and sha256, groups and collaborators, escaped, and runs no script', async function () {
    const folder = await freshFolder(used);
    const up = await uploadDocument(used.sim, used.token, folder, '<img src=x onerror=alert(1)>.txt', 'hello');
    assert.equal(up.status, 201, up.text);
    const html = await fetchSimPage(`${used.sim.url}/`, '<img src=x onerror=alert(1)>.txt');
    for (const text of ['Marketing', 'Suppliers', 'ACME', 'Audit', 'Exceptions', 'Price List 2026.csv', 'Retail Partners', 'Supplier ACME'])
      assert.ok(html.includes(text), text);
    assert.match(html, /Auditors <small>\(group, viewer\)<\/small>/);
    // sha256 of "hello", first 12 hex digits.
    assert.ok(html.includes('2cf24dba5fb0'));
    assert.ok(html.includes(used.sim.rootId));
    assert.match(html, /<meta http-equiv="refresh" content="5">/);
    assert.doesNotMatch(await (await fetch(`${used.sim.url}/?refresh=0`)).text(), /http-equiv="refresh"/);
    assert.doesNotMatch(html, /<script/i);
  });
});
