import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { startFile360Sim, type File360Sim } from '../../dev/sim/file360';
import { deploy, doubleClickNode, EDITOR_RUNTIMES, EditorSession, openEditor, showDebugSidebar } from '../support/browser-editor';

type Red = {
  view: { importNodes: (nodes: unknown[], options?: { touchImport?: boolean }) => void };
  nodes: { node: (id: string) => (Record<string, unknown> & { credentials?: Record<string, unknown> }) | undefined };
};

/** A watch on a File 360 folder, still set to move files (as a flow copied from an SFTP one would be): watch -> ack (leave) -> debug. */
function flowFor(folder: string): Record<string, unknown>[] {
  return [
    {
      id: 'f360-watch',
      type: 'filebridge-watch',
      name: 'File 360 inbox',
      server: '',
      folder,
      intervalSeconds: 1,
      stability: 'age',
      minAgeSeconds: 0,
      take: 'move',
      ledger: true,
      output: 'stream',
      x: 160,
      y: 120,
      wires: [['f360-ack']],
    },
    { id: 'f360-ack', type: 'filebridge-ack', name: 'done', action: 'leave', x: 380, y: 120, wires: [['f360-debug']] },
    { id: 'f360-debug', type: 'debug', name: 'arrived', active: true, tosidebar: true, complete: 'filename', targetType: 'msg', x: 580, y: 120, wires: [] },
  ];
}

/*
 * The File 360 connection as a user sets it up: a watch's Server field gets a new filebridge-server,
 * protocol File 360, the simulator's URLs, client and user typed; Browse lists the root's folders;
 * Test connection shows the user; Done, and the watch's Take files has switched to "leave in place"
 * with the reason shown; deploy, and a document dropped into the simulator comes out at the debug.
 */
for (const runtime of EDITOR_RUNTIMES) {
  describe(`File 360 connection in the server dialog (${runtime.label}, headless Chromium, File 360 simulator)`, function () {
    this.timeout(300_000);
    let editor: EditorSession;
    let page: Page;
    let sim: File360Sim;

    before(async () => {
      sim = await startFile360Sim();
      editor = await openEditor(runtime.index);
      page = editor.page;
    });
    after(async () => {
      if (editor) await editor.close();
      if (sim) await sim.stop();
    });

    it('configure File 360 in the dialog, Test connection shows the user, the watch switches to leave in place, deploy: a dropped document comes out', async () => {
      const folder = `/Inbox-${runtime.index}`;
      // The folder for the watch, made through the API as a person's client would.
      const token = sim.issueToken();
      const created = await fetch(`${sim.url}/api/v1/folders`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: folder.slice(1), parentId: sim.rootId }),
      });
      assert.equal(created.status, 201, await created.text());

      await page.evaluate((nodes) => (window as unknown as { RED: Red }).RED.view.importNodes(nodes, { touchImport: true }), flowFor(folder));
      await doubleClickNode(page, 'f360-watch');
      await page.locator('#node-input-server').waitFor({ state: 'attached', timeout: 15_000 });
      assert.equal(await page.locator('#node-input-take').inputValue(), 'move');
      await page.locator('#node-input-btn-server-add, #node-input-lookup-server').first().click();
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible', timeout: 15_000 });

      await page.locator('#node-config-input-protocol').selectOption('file360');
      assert.equal(await page.locator('#node-config-input-host').isVisible(), false, 'the host field shows for File 360');
      await page.locator('#node-config-input-apiUrl').fill(sim.url);
      await page.locator('#node-config-input-ssoUrl').fill(sim.ssoUrl);
      await page.locator('#node-config-input-clientId').fill(sim.clientId);
      await page.locator('#node-config-input-clientSecret').fill(sim.clientSecret);
      await page.locator('#node-config-input-username').fill(sim.user);
      await page.locator('#node-config-input-password').fill(sim.password);

      // Browse: the root's folders by name; Select puts the folder into the field.
      await page.locator('#filebridge-server-browse-button').click();
      const picker = page.locator('.filebridge-file360-picker');
      await picker
        .getByText('Suppliers', { exact: true })
        .click({ timeout: 20_000 })
        .catch(async (e: Error) => {
          throw new Error(`the folder picker did not list /Suppliers (${e.message.split('\n')[0]}): ${await picker.innerText().catch(() => 'no picker')}`);
        });
      await picker.getByText('ACME', { exact: true }).waitFor({ state: 'visible', timeout: 20_000 });
      await picker.locator('button', { hasText: 'Select' }).click();
      assert.equal(await page.locator('#filebridge-server-test-folder').inputValue(), '/Suppliers');

      await page.locator('#filebridge-server-test-button').click();
      const result = page.locator('#filebridge-server-test-result');
      await result
        .locator('.filebridge-result-ok', { hasText: 'Sam Simmons' })
        .waitFor({ state: 'visible', timeout: 20_000 })
        .catch(async (e: Error) => {
          throw new Error(`Test connection did not pass (${e.message.split('\n')[0]}): ${await result.innerText()}`);
        });
      const shown = await result.innerText();
      assert.match(shown, /ACME/);
      assert.ok(shown.includes(sim.rootId), `the root folder id is shown: ${shown}`);
      await editor.screenshot('dialog-filebridge-server-file360.png');

      await page.locator('#node-config-dialog-ok').click();
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached', timeout: 10_000 });
      // Back in the watch: a File 360 server leaves documents in place, and the dialog says why.
      await page
        .locator('#node-input-take')
        .evaluate((el) => (el as HTMLSelectElement).value === 'inPlace')
        .then((ok) => assert.ok(ok, 'Take files did not switch to leave in place'));
      assert.equal(await page.locator('.filebridge-watch-file360.form-tips').isVisible(), true, 'the reason is not shown');
      assert.match(await page.locator('.filebridge-watch-file360.form-tips').innerText(), /no rename/);
      await page.locator('#node-dialog-ok').click();
      await page.locator('.red-ui-tray').first().waitFor({ state: 'detached', timeout: 10_000 });
      const watch = await page.evaluate(() => (window as unknown as { RED: Red }).RED.nodes.node('f360-watch'));
      assert.equal(watch?.take, 'inPlace');
      const saved = await page.evaluate((id) => (window as unknown as { RED: Red }).RED.nodes.node(id), String(watch?.server ?? ''));
      assert.equal(saved?.protocol, 'file360');
      assert.equal(saved?.apiUrl, sim.url);
      assert.equal(saved?.clientId, sim.clientId);

      await deploy(page);
      await showDebugSidebar(page);

      // A person drops a document into the watched folder.
      const dropped = await fetch(`${sim.url}/_sim/files?folder=${encodeURIComponent(folder)}&name=order-4711.csv`, {
        method: 'POST',
        body: 'id,qty\n4711,3\n',
      });
      assert.equal(dropped.status, 200, await dropped.text());
      await page
        .locator('.red-ui-debug-msg', { hasText: 'order-4711.csv' })
        .first()
        .waitFor({ state: 'attached', timeout: 30_000 })
        .catch(async (e: Error) => {
          const msgs = await page.locator('.red-ui-debug-msg').allInnerTexts();
          throw new Error(
            `the document did not reach the debug sidebar (${e.message.split('\n')[0]}): ${JSON.stringify(msgs)}\n${editor.nodeRed.output().slice(-3000)}`,
          );
        });
      assert.ok(sim.documentAt(`${folder}/order-4711.csv`), 'left in place');

      const flows = await (await fetch(`${editor.nodeRed.url}/flows`)).text();
      assert.ok(!flows.includes(sim.clientSecret), 'GET /flows carries the client secret');
      assert.ok(!flows.includes(sim.password), 'GET /flows carries the password');
      const creds = await (await fetch(`${editor.nodeRed.url}/credentials/filebridge-server/${String(watch?.server)}`)).text();
      assert.ok(!creds.includes(sim.clientSecret), `the editor can read the client secret: ${creds}`);
      assert.deepEqual(editor.ours(), [], editor.ours().join('\n'));
    });
  });
}
