import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { startDropboxSim, type DropboxSim } from '../../dev/sim/dropbox';
import { deploy, doubleClickNode, EDITOR_RUNTIMES, EditorSession, openEditor, showDebugSidebar } from '../support/browser-editor';

type Red = {
  view: { importNodes: (nodes: unknown[], options?: { touchImport?: boolean }) => void };
  nodes: {
    node: (id: string) => (Record<string, unknown> & { credentials?: Record<string, unknown> }) | undefined;
    filterNodes: (f: { type: string }) => { id: string }[];
  };
};

/** A list of one Dropbox folder, started by hand: inject -> remote list -> debug. */
const FLOW = [
  { id: 'dbx-inject', type: 'inject', name: 'list ACME', props: [], repeat: '', once: false, x: 140, y: 120, wires: [['dbx-remote']] },
  {
    id: 'dbx-remote',
    type: 'filebridge-remote',
    name: 'Dropbox list',
    server: '',
    operation: 'list',
    path: '/Clients/ACME',
    pathType: 'str',
    x: 360,
    y: 120,
    wires: [['dbx-debug']],
  },
  { id: 'dbx-debug', type: 'debug', name: 'listing', active: true, tosidebar: true, complete: 'payload[0].name', targetType: 'msg', x: 580, y: 120, wires: [] },
];

/*
 * The Dropbox sign-in as a user does it: a remote node's Server field gets a new filebridge-server,
 * protocol Dropbox, the app key and the simulator's URL typed, Connect to Dropbox opens the
 * authorize page in a new window where Allow shows a code, the code pasted back shows the account's
 * name; Test connection; Done, Deploy, and the deployed flow lists the Dropbox folder.
 */
for (const runtime of EDITOR_RUNTIMES) {
  describe(`Dropbox sign-in in the server dialog (${runtime.label}, headless Chromium, Dropbox simulator)`, function () {
    this.timeout(300_000);
    let editor: EditorSession;
    let page: Page;
    let sim: DropboxSim;

    before(async () => {
      sim = await startDropboxSim();
      editor = await openEditor(runtime.index);
      page = editor.page;
    });
    after(async () => {
      if (editor) await editor.close();
      if (sim) await sim.stop();
    });

    it('Connect to Dropbox, paste the code, see the account, Done, deploy: the flow lists the Dropbox folder', async () => {
      await page.evaluate((nodes) => (window as unknown as { RED: Red }).RED.view.importNodes(nodes, { touchImport: true }), FLOW);
      // touchImport places the nodes where they are instead of hanging them on the mouse pointer.
      await doubleClickNode(page, 'dbx-remote');
      await page.locator('#node-input-server').waitFor({ state: 'attached', timeout: 15_000 });
      // Node-RED 4.1 and 5 have a "+" (add) button beside the Server select; older ones a pencil.
      await page.locator('#node-input-btn-server-add, #node-input-lookup-server').first().click();
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible', timeout: 15_000 });

      await page.locator('#node-config-input-protocol').selectOption('dropbox');
      // Host, user and password belong to the other protocols: hidden, and not required.
      assert.equal(await page.locator('#node-config-input-host').isVisible(), false, 'the host field shows for Dropbox');
      assert.equal(await page.locator('#node-config-input-password').isVisible(), false, 'the password field shows for Dropbox');
      await page.locator('#node-config-input-appKey').fill(sim.appKey);
      await page.locator('#node-config-filebridge-server-tabs a', { hasText: 'Advanced' }).click();
      await page.locator('#node-config-input-serviceUrl').fill(sim.url);
      // A tab click during the tray's own layout passes can go unnoticed: click until the tab shows.
      for (let attempt = 1; ; attempt++) {
        await page.locator('#node-config-filebridge-server-tabs a', { hasText: 'Connection' }).click();
        const shown = await page
          .locator('#node-config-input-appKey')
          .waitFor({ state: 'visible', timeout: 3_000 })
          .then(() => true)
          .catch(() => false);
        if (shown) break;
        assert.ok(attempt < 3, 'the Connection tab did not show after three clicks');
      }
      assert.match(await page.locator('#filebridge-server-dropbox-account').innerText(), /Not connected/);

      const connect = page.locator('#filebridge-server-dropbox-connect');
      await connect.waitFor({ state: 'visible', timeout: 10_000 }).catch(async (e: Error) => {
        await editor.screenshot('dropbox-connect-hidden.png');
        const protocol = await page.locator('#node-config-input-protocol').inputValue();
        throw new Error(
          `Connect to Dropbox is hidden (${e.message.split('\n')[0]}); protocol ${protocol}; ${await page.locator('.filebridge-server-dialog').innerText()}`,
        );
      });
      const [popup] = await Promise.all([
        page.waitForEvent('popup', { timeout: 20_000 }).catch(async (e: Error) => {
          const shown = await page.locator('.filebridge-server-dialog').innerText();
          throw new Error(`Connect to Dropbox opened no window (${e.message.split('\n')[0]}): ${shown}\n${editor.errors.join('\n')}`);
        }),
        connect.click(),
      ]);
      await popup.waitForURL(/\/oauth2\/authorize\?/, { timeout: 15_000 });
      await popup.locator('#allow').click();
      const code = (await popup.locator('#code').innerText({ timeout: 15_000 })).trim();
      assert.ok(code.length >= 8, `no code on the page: "${code}"`);
      await popup.close();

      await page.locator('#filebridge-server-dropbox-code').fill(code);
      await page.locator('#filebridge-server-dropbox-finish').click();
      const account = page.locator('#filebridge-server-dropbox-account');
      await account
        .getByText(/Sim User/)
        .waitFor({ state: 'visible', timeout: 20_000 })
        .catch(async (e: Error) => {
          throw new Error(
            `the account name did not show (${e.message.split('\n')[0]}): ${await account.innerText()} / ${await page.locator('#filebridge-server-dropbox-result').innerText()}`,
          );
        });
      assert.equal(await page.locator('#node-config-input-accountName').inputValue(), 'Sim User');

      // Browse: click through the account's folders; Select puts the folder into the field.
      await page.locator('#filebridge-server-browse-button').click();
      const picker = page.locator('.filebridge-dropbox-picker');
      await picker
        .getByText('Clients', { exact: true })
        .click({ timeout: 20_000 })
        .catch(async (e: Error) => {
          throw new Error(`the folder picker did not list /Clients (${e.message.split('\n')[0]}): ${await picker.innerText().catch(() => 'no picker')}`);
        });
      await picker.getByText('ACME', { exact: true }).waitFor({ state: 'visible', timeout: 20_000 });
      await picker.locator('button', { hasText: 'Select' }).click();
      assert.equal(await page.locator('#filebridge-server-test-folder').inputValue(), '/Clients');

      // Test connection with the sign-in just made (nothing deployed yet) shows the account and the folder.
      await page.locator('#filebridge-server-test-button').click();
      const result = page.locator('#filebridge-server-test-result');
      await result
        .locator('.filebridge-result-ok', { hasText: 'Sim User' })
        .waitFor({ state: 'visible', timeout: 20_000 })
        .catch(async (e: Error) => {
          throw new Error(`Test connection did not pass (${e.message.split('\n')[0]}): ${await result.innerText()}`);
        });
      assert.match(await result.innerText(), /ACME/);
      await editor.screenshot('dialog-filebridge-server-dropbox.png');

      await page.locator('#node-config-dialog-ok').click();
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached', timeout: 10_000 });
      await page.locator('#node-dialog-ok').click();
      await page.locator('.red-ui-tray').first().waitFor({ state: 'detached', timeout: 10_000 });
      const serverId = await page.evaluate(() => String((window as unknown as { RED: Red }).RED.nodes.node('dbx-remote')?.server ?? ''));
      assert.ok(serverId, 'the remote node has no server after Done');
      const saved = await page.evaluate((id) => (window as unknown as { RED: Red }).RED.nodes.node(id), serverId);
      assert.equal(saved?.protocol, 'dropbox');
      assert.equal(saved?.appKey, sim.appKey);
      assert.equal(saved?.serviceUrl, sim.url);

      await deploy(page);

      // The deployed flow runs on Dropbox: the inject's button starts a list of /Clients/ACME.
      await showDebugSidebar(page);
      await page
        .locator('g.red-ui-flow-node-group[id="dbx-inject"] .red-ui-flow-node-button, g.red-ui-flow-node[id="dbx-inject"] .red-ui-flow-node-button')
        .first()
        .click();
      await page
        .locator('.red-ui-debug-msg', { hasText: 'Welcome.txt' })
        .first()
        // Attached: the debug sidebar may be behind another sidebar tab.
        .waitFor({ state: 'attached', timeout: 30_000 })
        .catch(async (e: Error) => {
          const shown = await page.locator('.red-ui-debug-msg').allInnerTexts();
          throw new Error(
            `the deployed list did not reach the debug sidebar (${e.message.split('\n')[0]}): ${JSON.stringify(shown)}\n${editor.nodeRed.output().slice(-3000)}`,
          );
        });

      // The deployed configuration keeps the sign-in, and it never left the runtime.
      const test = await fetch(`${editor.nodeRed.url}/filebridge/server/test`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: serverId, protocol: 'dropbox', appKey: sim.appKey, serviceUrl: sim.url, credentials: { refreshToken: '__PWRD__' } }),
      });
      const report = (await test.json()) as { ok: boolean; account?: { name?: string } };
      assert.equal(report.ok, true, JSON.stringify(report));
      assert.equal(report.account?.name, 'Sim User');
      const flows = await (await fetch(`${editor.nodeRed.url}/flows`)).text();
      assert.doesNotMatch(flows, /"refreshToken"\s*:/, 'GET /flows carries the refresh token');
      const creds = await (await fetch(`${editor.nodeRed.url}/credentials/filebridge-server/${serverId}`)).text();
      assert.doesNotMatch(creds, /"refreshToken"\s*:\s*"/, `the editor can read the refresh token: ${creds}`);
      assert.deepEqual(editor.ours(), [], editor.ours().join('\n'));
    });
  });
}
