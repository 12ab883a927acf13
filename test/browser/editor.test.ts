import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, Browser, Page } from 'playwright-core';
import { REPO_ROOT, runtimes } from '../support/runtimes';
import { installIntoUserDir, packPackage } from '../support/packed-package';
import { RunningNodeRed, startNodeRed } from '../../src/sandbox/node-red-process';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(REPO_ROOT, 'test-artifacts', 'screenshots');

/*
 * The editor as a user meets it: the packed package in a real Node-RED 4.1, opened in headless
 * Chromium. Catches what the runtime cannot: broken oneditprepare code, missing palette entries.
 */
describe('editor in a real browser (Node-RED 4.1, headless Chromium)', function () {
  this.timeout(180_000);
  let work: string;
  let nodeRed: RunningNodeRed | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let nodeTypes: string[];
  const errors: string[] = [];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`);
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
    nodeTypes = Object.keys(pkg['node-red'].nodes);
    work = await mkdtemp(join(tmpdir(), 'filebridge-browser-'));
    const { tarball } = await packPackage(work);
    const userDir = join(work, 'user');
    await installIntoUserDir(tarball, userDir);
    nodeRed = await startNodeRed((await runtimes())[0], userDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}\n${err.stack ?? ''}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()} @ ${m.location().url}`); });
    await page.goto(nodeRed.url);
    await page.waitForFunction(() => {
      const red = (window as unknown as { RED?: { nodes?: { getType?: (t: string) => unknown } } }).RED;
      return document.querySelector('.red-ui-palette-node') !== null && !!red?.nodes?.getType;
    }, undefined, { timeout: 60_000 });
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    if (browser) await browser.close();
    if (nodeRed) await nodeRed.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Errors that come from this package's editor code (served under /nodes or /resources/<our module>). */
  const ours = (): string[] => errors.filter((e) => /filebridge/i.test(e));

  async function nonConfigTypes(): Promise<string[]> {
    return page.evaluate((types) => {
      const red = (window as unknown as { RED: { nodes: { getType: (t: string) => { category?: string } | undefined } } }).RED;
      return types.filter((t) => red.nodes.getType(t) !== undefined && red.nodes.getType(t)?.category !== 'config');
    }, nodeTypes);
  }

  it('registers every node type in the editor and shows each non-config type in the filebridge palette', async () => {
    const registered = await page.evaluate((types) => {
      const red = (window as unknown as { RED: { nodes: { getType: (t: string) => unknown } } }).RED;
      return types.filter((t) => red.nodes.getType(t) !== undefined);
    }, nodeTypes);
    assert.deepEqual(registered, nodeTypes, `the editor did not register: ${nodeTypes.filter((t) => !registered.includes(t)).join(', ')}`);
    const palette = await nonConfigTypes();
    assert.ok(palette.length >= 1 && palette.length < nodeTypes.length, `unexpected non-config types: ${palette.join(', ')}`);
    const category = page.locator('#red-ui-palette-container-filebridge');
    await category.waitFor({ state: 'attached', timeout: 10_000 });
    for (const type of palette) {
      const count = await category.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count();
      assert.equal(count, 1, `${type} is not in the palette's filebridge category`);
    }
    // The config types belong in no palette category.
    for (const type of nodeTypes.filter((t) => !palette.includes(t))) {
      assert.equal(await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count(), 0, `config node ${type} shows in the palette`);
    }
    await page.locator('#red-ui-palette-base-category-filebridge, #red-ui-palette-filebridge').first().scrollIntoViewIfNeeded().catch(() => undefined);
    await page.screenshot({ path: join(SCREENSHOTS, 'palette.png') });
    assert.deepEqual(ours(), [], ours().join('\n'));
  });

  it('opens and closes the edit dialog of every non-config node on the canvas without a script error', async () => {
    const types = await nonConfigTypes();
    const ids = await page.evaluate((list) => {
      type Defaults = Record<string, { value?: unknown }>;
      const red = (window as unknown as { RED: { view: { importNodes: (n: unknown[]) => void }; workspaces: { active: () => string }; nodes: { getType: (t: string) => { defaults?: Defaults } } } }).RED;
      const z = red.workspaces.active();
      // As the palette drops a node: every property starts at its declared default.
      const withDefaults = (type: string): Record<string, unknown> => Object.fromEntries(Object.entries(red.nodes.getType(type).defaults ?? {}).map(([k, d]) => [k, d.value]));
      const nodes = list.map((type, i) => ({ ...withDefaults(type), id: `fbtest${i}`, type, z, x: 200 + (i % 3) * 250, y: 100 + Math.floor(i / 3) * 100, wires: [] }));
      red.view.importNodes(nodes);
      return nodes.map((n) => n.id);
    }, types);
    for (let i = 0; i < types.length; i++) {
      const type = types[i];
      const before = errors.length;
      const node = page.locator(`g.red-ui-flow-node[id="${ids[i]}"]`);
      await node.waitFor({ state: 'attached', timeout: 10_000 });
      // Headless double-clicks on the SVG node do not reach the view's own dblclick timing; open the
      // dialog the way the view does on a double-click.
      await page.evaluate((id) => {
        const red = (window as unknown as { RED: { editor: { edit: (n: unknown) => void }; nodes: { node: (id: string) => unknown } } }).RED;
        red.editor.edit(red.nodes.node(id));
      }, ids[i]);
      const tray = page.locator('.red-ui-tray').last();
      await tray.locator('#dialog-form').first().waitFor({ state: 'visible', timeout: 15_000 }).catch(async (e: Error) => {
        const html = await page.evaluate(() => (document.querySelector('#red-ui-editor-stack') ?? document.body).outerHTML.slice(0, 1500));
        throw new Error(`${type}: no edit dialog (${e.message.split('\n')[0]})\n${html}\n${errors.join('\n')}`);
      });
      // The dialog's own form fields must be there: oneditprepare ran.
      const inputs = await tray.locator('input[id^="node-input-"]').count();
      assert.ok(inputs > 0, `${type}'s dialog shows no node-input fields`);
      await page.waitForTimeout(300);
      if (type === 'filebridge-watch') await page.screenshot({ path: join(SCREENSHOTS, 'dialog-filebridge-watch.png') });
      const fresh = errors.slice(before).filter((e) => /filebridge/i.test(e));
      assert.deepEqual(fresh, [], `${type}'s dialog raised:\n${fresh.join('\n')}`);
      await page.locator('#node-dialog-cancel').click();
      await tray.waitFor({ state: 'detached', timeout: 10_000 });
    }
    assert.deepEqual(ours(), [], ours().join('\n'));
  });
});
