import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { startRestSim, type RestSim } from '../../dev/sim/rest';
import { deploy, doubleClickNode, EDITOR_RUNTIMES, EditorSession, openEditor } from '../support/browser-editor';

type Red = {
  view: { importNodes: (nodes: unknown[], options?: { touchImport?: boolean }) => void };
  nodes: { node: (id: string) => (Record<string, unknown> & { credentials?: Record<string, unknown> }) | undefined };
};

/** inject (a partner's CSV as text) -> rest request (POST records, connection and format still to pick) -> debug of msg.filebridge.rest. */
function flowFor(sku: string): Record<string, unknown>[] {
  return [
    {
      id: 'rest-inject',
      type: 'inject',
      name: 'partner file',
      props: [{ p: 'payload' }],
      payload: `Artikel;Bezeichnung;Preis\n${sku};Bolt;1,50\n`,
      payloadType: 'str',
      repeat: '',
      once: false,
      x: 140,
      y: 120,
      wires: [['rest-req']],
    },
    {
      id: 'rest-req',
      type: 'filebridge-rest-request',
      name: 'post prices',
      connection: '',
      method: 'POST',
      path: '/products/batch',
      query: [],
      headers: [],
      body: 'records',
      format: '',
      batchSize: 500,
      batchKey: '',
      response: 'json',
      output: 'payload',
      paging: 'none',
      emit: 'one',
      x: 360,
      y: 120,
      wires: [['rest-debug']],
    },
    {
      id: 'rest-debug',
      type: 'debug',
      name: 'posted',
      active: true,
      tosidebar: true,
      complete: 'filebridge.rest',
      targetType: 'msg',
      x: 580,
      y: 120,
      wires: [],
    },
  ];
}

/*
 * A REST connection and a partner format as a user sets them up, through their dialogs from a rest
 * request node: base URL, Basic login, Test connection passes against the REST simulator; a
 * partner format with ';', decimal comma and two columns; deploy, inject, and the record arrives in
 * the simulator typed as the format says, the debug sidebar showing msg.filebridge.rest.
 */
for (const runtime of EDITOR_RUNTIMES) {
  describe(`REST connection and partner format dialogs (${runtime.label}, headless Chromium, REST simulator)`, function () {
    this.timeout(300_000);
    let editor: EditorSession;
    let page: Page;
    let sim: RestSim;

    before(async () => {
      sim = await startRestSim();
      editor = await openEditor(runtime.index);
      page = editor.page;
    });
    after(async () => {
      if (editor) await editor.close();
      if (sim) await sim.stop();
    });

    it('configure a connection (Test connection passes) and a partner format in their dialogs, deploy: a CSV record reaches the simulator', async () => {
      const sku = `BROWSER-${runtime.index}`;
      await page.evaluate((nodes) => (window as unknown as { RED: Red }).RED.view.importNodes(nodes, { touchImport: true }), flowFor(sku));
      await doubleClickNode(page, 'rest-req');
      await page.locator('#node-input-connection').waitFor({ state: 'attached', timeout: 15_000 });
      assert.equal(await page.locator('#node-input-batchSize').isVisible(), true, 'records show the batch size');

      // The connection: a new filebridge-rest-connection from the Connection field.
      await page.locator('#node-input-btn-connection-add, #node-input-lookup-connection').first().click();
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible', timeout: 15_000 });
      await page.locator('#node-config-input-baseUrl').fill(sim.apiUrl);
      assert.equal(await page.locator('#node-config-input-username').isVisible(), false, 'auth None hides the user');
      await page.locator('#node-config-input-authType').selectOption('basic');
      await page.locator('#node-config-input-username').fill(sim.user);
      await page.locator('#node-config-input-password').fill(sim.password);
      await page.locator('#node-config-input-testPath').fill('/ping');
      await page.locator('#filebridge-rest-connection-test-button').click();
      const result = page.locator('#filebridge-rest-connection-result');
      await result
        .locator('.filebridge-result-ok')
        .waitFor({ state: 'visible', timeout: 20_000 })
        .catch(async (e: Error) => {
          throw new Error(`Test connection did not pass (${e.message.split('\n')[0]}): ${await result.innerText()}`);
        });
      assert.match(await result.innerText(), /HTTP 200/);
      await editor.screenshot('dialog-filebridge-rest-connection.png');
      await page.locator('#node-config-dialog-ok').click();
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached', timeout: 10_000 });

      // The partner format: a new filebridge-partner-format from the Record format field.
      await page.locator('#node-input-btn-format-add, #node-input-lookup-format').first().click();
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible', timeout: 15_000 });
      await page.locator('#node-config-input-name').fill('ACME prices');
      await page.locator('#node-config-input-delimiter').selectOption(';');
      await page.locator('#node-config-input-decimalSeparator').selectOption(',');
      await page.locator('#node-config-input-lineEnding').selectOption('lf');
      const columns = page.locator('.node-config-input-columns-container-row');
      for (const [field, header, type] of [
        ['sku', 'Artikel', 'string'],
        ['name', 'Bezeichnung', 'string'],
        ['price', 'Preis', 'number'],
      ]) {
        await columns.locator('a.red-ui-editableList-addButton, button.red-ui-editableList-addButton').first().click();
        const row = columns.locator('.filebridge-format-column').last();
        await row.locator('.column-field').fill(field);
        await row.locator('.column-header').fill(header);
        await row.locator('.column-type').selectOption(type);
        await row.locator('.column-required').check();
      }
      await editor.screenshot('dialog-filebridge-partner-format.png');
      await page.locator('#node-config-dialog-ok').click();
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached', timeout: 10_000 });

      await page.locator('#node-dialog-ok').click();
      await page.locator('.red-ui-tray').first().waitFor({ state: 'detached', timeout: 10_000 });
      const req = await page.evaluate(() => (window as unknown as { RED: Red }).RED.nodes.node('rest-req'));
      const conn = await page.evaluate((id) => (window as unknown as { RED: Red }).RED.nodes.node(id), String(req?.connection ?? ''));
      const format = await page.evaluate((id) => (window as unknown as { RED: Red }).RED.nodes.node(id), String(req?.format ?? ''));
      assert.equal(conn?.baseUrl, sim.apiUrl);
      assert.equal(conn?.authType, 'basic');
      assert.equal(format?.delimiter, ';');
      assert.deepEqual(
        (format?.columns as { field: string; type: string }[]).map((c) => `${c.field}:${c.type}`),
        ['sku:string', 'name:string', 'price:number'],
      );

      await deploy(page);
      await page
        .locator('#red-ui-tab-debug-link-button, a[href="#debug"]')
        .first()
        .click()
        .catch(() => undefined);
      await page.locator('#red-ui-workspace-chart [id="rest-inject"] .red-ui-flow-node-button, g[id="rest-inject"] .red-ui-flow-node-button').first().click();
      await page
        .locator('.red-ui-debug-msg', { hasText: 'batches: 1' })
        .first()
        .waitFor({ state: 'attached', timeout: 30_000 })
        .catch(async (e: Error) => {
          const msgs = await page.locator('.red-ui-debug-msg').allInnerTexts();
          throw new Error(`no rest facts in the debug sidebar (${e.message.split('\n')[0]}): ${JSON.stringify(msgs)}\n${editor.nodeRed.output().slice(-3000)}`);
        });
      // The simulator stored the record, the price read with the decimal comma.
      const stored = sim.state({ resource: 'products', offset: 0, limit: 100000 }).products.items.find((p) => (p as { sku?: string }).sku === sku) as
        { price?: number } | undefined;
      assert.equal(stored?.price, 1.5);

      const flows = await (await fetch(`${editor.nodeRed.url}/flows`)).text();
      assert.ok(!flows.includes(sim.password), 'GET /flows carries the password');
      const creds = await (await fetch(`${editor.nodeRed.url}/credentials/filebridge-rest-connection/${String(req?.connection)}`)).text();
      assert.ok(!creds.includes(sim.password), `the editor can read the password: ${creds}`);
      assert.deepEqual(editor.ours(), [], editor.ours().join('\n'));
    });
  });
}
