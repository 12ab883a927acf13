import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, Browser, Locator, Page } from 'playwright-core';
import { RunningNodeRed, startNodeRed } from '../../dev/sandbox/node-red-process';
import { installIntoUserDir, packPackage } from '../../dev/support/packed-package';
import { REPO_ROOT, runtimes } from './runtimes';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the latest run; `docs/screenshots/` holds the ones the README shows. */
export const SCREENSHOTS = join(REPO_ROOT, 'test-artifacts', 'screenshots');

export interface EditorSession {
  page: Page;
  nodeRed: RunningNodeRed;
  /** Script errors and console errors the page raised so far. */
  errors: string[];
  /** The errors that come from this package's editor code. */
  ours(): string[];
  /** Saves a screenshot under SCREENSHOTS (Node-RED 5's with a `-nr5` suffix); of `part` only when given. */
  screenshot(name: string, part?: Locator): Promise<void>;
  close(): Promise<void>;
}

/** The runtimes the browser tests drive, by index into `runtimes()`. */
export const EDITOR_RUNTIMES = [
  { index: 0, label: 'Node-RED 4.1' },
  { index: 1, label: 'Node-RED 5' },
] as const;

/**
 * The editor as a user meets it: the packed package installed into a fresh user directory of a real
 * Node-RED (4.1 or 5, by index into `runtimes()`), opened in headless Chromium, with the palette loaded.
 */
export async function openEditor(runtimeIndex: number, extraSettings?: string): Promise<EditorSession> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`);
  const work = await mkdtemp(join(tmpdir(), 'filebridge-browser-'));
  let nodeRed: RunningNodeRed | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    if (browser) await browser.close();
    if (nodeRed) await nodeRed.stop();
    await rm(work, { recursive: true, force: true });
  };
  try {
    const { tarball } = await packPackage();
    const userDir = join(work, 'user');
    await installIntoUserDir(tarball, userDir);
    nodeRed = await startNodeRed((await runtimes())[runtimeIndex], userDir, { extraSettings });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1680, height: 950 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}\n${err.stack ?? ''}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()} @ ${m.location().url}`);
    });
    await page.goto(nodeRed.url);
    // The palette fills after the node definitions load, and the workspace after the flows do; a
    // test that starts earlier races the editor's own start-up.
    const running = nodeRed;
    await page
      .waitForFunction(
        () => {
          const red = (window as unknown as { RED?: { nodes?: { getType?: (t: string) => unknown }; workspaces?: { active?: () => string } } }).RED;
          return (
            document.querySelector('#red-ui-palette-container-filebridge .red-ui-palette-node') !== null &&
            !!red?.nodes?.getType?.('filebridge-watch') &&
            !!red.workspaces?.active?.() &&
            document.querySelector('#red-ui-workspace-chart svg') !== null
          );
        },
        undefined,
        { timeout: 90_000 },
      )
      .catch((e: Error) => {
        throw new Error(`the editor did not finish loading: ${e.message.split('\n')[0]}\n${errors.join('\n')}\n${running.output().slice(-3000)}`);
      });
    await mkdir(SCREENSHOTS, { recursive: true });
    return {
      page,
      nodeRed,
      errors,
      ours: () => errors.filter((e) => /filebridge/i.test(e)),
      screenshot: (name, part) => screenshot(page, runtimeIndex === 0 ? name : name.replace(/\.png$/, '-nr5.png'), part),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Clicks Deploy and waits for the editor's own confirmation. */
export async function deploy(page: Page): Promise<string> {
  await page.locator('#red-ui-header-button-deploy').click();
  const note = page.locator('.red-ui-notification', { hasText: /Successfully deployed/ });
  await note
    .first()
    .waitFor({ state: 'visible', timeout: 30_000 })
    .catch(async (e: Error) => {
      const shown = await page.locator('.red-ui-notification').allInnerTexts();
      throw new Error(`no "Successfully deployed" (${e.message.split('\n')[0]}); notifications: ${JSON.stringify(shown)}`);
    });
  return note.first().innerText();
}

/**
 * Opens the Debug sidebar as a user does: a click on its tab (Node-RED 4.1: its label, or its icon when
 * the sidebar is too narrow for labels; Node-RED 5: its button in the sidebar's tab bar). Only a visible
 * one is clicked: a hidden label is in the DOM too, and a click on it would wait in vain.
 */
export async function showDebugSidebar(page: Page): Promise<void> {
  const list = page.locator('.red-ui-debug-content').first();
  if (await list.isVisible()) return;
  await page
    .locator('#red-ui-tab-debug-link-button, #red-ui-tab-debug > a.red-ui-tab-label, button[data-tab-id="debug"]')
    .filter({ visible: true })
    .first()
    .click({ timeout: 10_000 });
  await list.waitFor({ state: 'visible', timeout: 10_000 });
}

/** Double-clicks a node on the canvas the way a user does. */
export async function doubleClickNode(page: Page, id: string): Promise<void> {
  const body = page.locator(`g.red-ui-flow-node-group[id="${id}"] rect.red-ui-flow-node, g.red-ui-flow-node[id="${id}"] rect.red-ui-flow-node`).first();
  const box = await body.boundingBox();
  assert.ok(box, `node ${id} is not on the canvas`);
  await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2, { delay: 30 });
}

/**
 * A screenshot, once the editor's passing notifications (Imported, Deployed) and tooltips have
 * faded; of `part` only when given.
 */
async function screenshot(page: Page, name: string, part?: Locator): Promise<void> {
  // A tooltip under the pointer would cover what the picture is about.
  await page.mouse.move(1, 1);
  await page
    .waitForFunction(
      () =>
        document.querySelectorAll('.red-ui-notification:not([style*="display: none"])').length === 0 &&
        document.querySelectorAll('.red-ui-popover').length === 0,
      undefined,
      { timeout: 15_000 },
    )
    .catch(() => undefined);
  await (part ?? page).screenshot({ path: join(SCREENSHOTS, name) });
}
