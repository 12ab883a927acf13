/** The Dropbox simulator's read-only web page (ui.ts): both namespaces, escaped names, no script. */
import assert from 'node:assert/strict';
import { fetchSimPage } from '../../../../support/sim-cli';
import { upload, useDropboxSim } from '../../../../support/dropbox-sim';

describe('Dropbox simulator: web page', function () {
  const used = useDropboxSim();

  it('shows the home and team trees with escaped names, sizes and revs, and runs no script', async function () {
    const up = await upload(used.sim, 'files/upload', { path: '/Inbox/<img src=x onerror=alert(1)>.txt' }, 'x', { token: used.token });
    assert.equal(up.status, 200, up.text);
    const html = await fetchSimPage(`${used.sim.url}/`, '<img src=x onerror=alert(1)>.txt');
    assert.match(html, /Sim User/);
    assert.match(html, /Finance/);
    assert.ok(html.includes(up.json?.rev as string));
    assert.match(html, /<meta http-equiv="refresh" content="5">/);
    assert.doesNotMatch(await (await fetch(`${used.sim.url}/?refresh=0`)).text(), /http-equiv="refresh"/);
  });
});
