import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { DEFAULT_SEED, startContentServerSim, type ContentServerSim } from '../../dev/sim/content-server';
import { startDropboxSim, type DropboxSim } from '../../dev/sim/dropbox';
import { startFile360Sim, type File360Sim } from '../../dev/sim/file360';
import { startRestSim, type RestSim } from '../../dev/sim/rest';
import { accessToken, rpc } from '../support/dropbox-sim';
import { servers } from '../support/dev-servers';
import { deploy, doubleClickNode, EDITOR_RUNTIMES, EditorSession, openEditor } from '../support/browser-editor';
import { exampleFiles, type FlowNode } from '../support/example-flows';
import { REPO_ROOT } from '../support/runtimes';

const MODULE = 'node-red-contrib-ecm-filebridge';
/** The SFTP -> Content Server example this test runs a file through. */
const RUN_EXAMPLE = 'sftp-cs-03 Daily drops to records folders.json';
/** The Dropbox -> Content Server example this test runs a file through. */
const RUN_DROPBOX_EXAMPLE = 'dbx-cs-04 Ready for approval starts a workflow.json';
/** The FTP -> File 360 example this test runs a file through. */
const RUN_FILE360_EXAMPLE = 'f360-01 Supplier files into shared File 360 folders.json';
/** The FTP -> REST API (xConnector) example this test runs a file through. */
const RUN_REST_EXAMPLE = 'xc-01 Catalogue files posted to the ERP API.json';

type Red = {
  nodes: {
    node: (id: string) => (Record<string, unknown> & { status?: { text?: string; fill?: string } }) | undefined;
    workspace: (id: string) => { label: string } | undefined;
  };
  workspaces: { active: () => string };
};

interface ExampleFile {
  relPath: string;
  nodes: FlowNode[];
  tab: FlowNode;
}

type SimTree = { name: string; sha256?: string; versions?: number; children?: SimTree[] };

function findPath(tree: SimTree, path: string[]): SimTree | undefined {
  if (path.length === 0) return tree;
  const next = tree.children?.find((c) => c.name === path[0]);
  return next ? findPath(next, path.slice(1)) : undefined;
}

/**
 * The examples as a user meets them: imported one by one through Import > Examples, their server and
 * Content Server settings typed into the config dialogs, deployed, and one of them run with a file
 * dropped on the real sshd.
 */
for (const runtime of EDITOR_RUNTIMES) {
  describe(`examples in a real browser: import, configure, deploy, run (${runtime.label}, headless Chromium)`, function () {
    this.timeout(300_000);
    let editor: EditorSession;
    let page: Page;
    let sim: ContentServerSim;
    let dropbox: DropboxSim;
    let file360: File360Sim;
    let rest: RestSim;
    let examples: ExampleFile[];
    /** The Dropbox server configurations of the examples, by id (their watches' folders live in the Dropbox simulator). */
    const dropboxServers = new Map<string, FlowNode>();
    /** The File 360 server configurations of the examples, by id (their watches' folders live in the File 360 simulator). */
    const file360Servers = new Set<string>();

    before(async () => {
      examples = exampleFiles().map((relPath) => {
        const nodes = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', relPath), 'utf8')) as FlowNode[];
        const tab = nodes.find((n) => n.type === 'tab');
        assert.ok(tab, `${relPath} has no tab`);
        return { relPath, nodes, tab };
      });
      for (const { nodes } of examples)
        for (const n of nodes.filter((x) => x.type === 'filebridge-server' && x.protocol === 'dropbox')) dropboxServers.set(n.id, n);
      for (const { nodes } of examples)
        for (const n of nodes.filter((x) => x.type === 'filebridge-server' && x.protocol === 'file360')) file360Servers.add(n.id);
      // Every watched folder exists and is empty, as on a partner's fresh server (or a fresh Dropbox account).
      const s = servers();
      dropbox = await startDropboxSim({ port: 0 });
      const token = await accessToken(dropbox);
      file360 = await startFile360Sim({ port: 0 });
      const file360Token = file360.issueToken();
      for (const { nodes } of examples) {
        for (const watch of nodes.filter((n) => n.type === 'filebridge-watch')) {
          const folder = String(watch.folder);
          if (file360Servers.has(String(watch.server))) {
            // A File 360 folder, created as a person would in the web client, parents first.
            let parentId = file360.rootId;
            let at = '';
            for (const name of folder.split('/').filter((p) => p !== '')) {
              at += `/${name}`;
              const existing = file360.folderAt(at);
              if (existing) {
                parentId = existing.id;
                continue;
              }
              const made = await fetch(`${file360.url}/api/v1/folders`, {
                method: 'POST',
                headers: { Authorization: `Bearer ${file360Token}`, 'Content-Type': 'application/json' },
                body: JSON.stringify({ name, parentId }),
              });
              assert.equal(made.status, 201, `File 360 folder ${at}: ${made.status} ${await made.clone().text()}`);
              parentId = ((await made.json()) as { id: string }).id;
            }
            continue;
          }
          const onDropbox = dropboxServers.get(String(watch.server));
          if (onDropbox) {
            const pathRoot = onDropbox.teamRoot === true ? { '.tag': 'root', root: dropbox.rootNamespaceId } : undefined;
            const made = await rpc(dropbox, 'files/create_folder_v2', { path: folder }, { token, pathRoot });
            assert.ok(made.status === 200 || /path\/conflict\/folder/.test(made.text), `Dropbox folder ${folder}: ${made.status} ${made.text}`);
            continue;
          }
          await s.remove(folder.split('/')[0]);
          await s.mkdirp(folder);
        }
      }
      sim = await startContentServerSim({ port: 0 });
      rest = await startRestSim();
      // The context stores the sandbox defines (dev/sandbox/start.ts): dbx-cs-08 keeps its ledger in the persistent `file` store.
      editor = await openEditor(runtime.index, "contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } },");
      page = editor.page;
    });

    after(async () => {
      if (editor) await editor.close();
      if (sim) await sim.stop();
      if (dropbox) await dropbox.stop();
      if (file360) await file360.stop();
      if (rest) await rest.stop();
    });

    const red = <T>(fn: (red: Red, arg: string) => T, arg = ''): Promise<T> =>
      page.evaluate(
        ({ source, a }) =>
          (new Function('red', 'arg', `return (${source})(red, arg);`) as (r: unknown, a: string) => T)((window as unknown as { RED: Red }).RED, a),
        { source: fn.toString(), a: arg },
      );

    async function importExample(example: ExampleFile): Promise<void> {
      await page.locator('#red-ui-header-button-sidemenu').click();
      await page.locator('#menu-item-import').click();
      const dialog = page.locator('#red-ui-clipboard-dialog');
      await dialog.waitFor({ state: 'visible', timeout: 10_000 });
      await page.locator('#red-ui-clipboard-dialog-import-tabs a', { hasText: 'Examples' }).click();
      const tree = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
      const label = (text: string): Locator =>
        tree
          .locator('.red-ui-treeList-label', {
            has: page.locator('.red-ui-treeList-label-text', { hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }),
          })
          .first();
      // Folders open on a click; a file is selected by a click and imported with the Import button.
      const steps = [MODULE, ...example.relPath.replace(/\.json$/, '').split('/')];
      for (const [i, step] of steps.entries()) {
        const item = label(step);
        await item.waitFor({ state: 'visible', timeout: 10_000 }).catch(async (e: Error) => {
          throw new Error(
            `${example.relPath}: no "${step}" under Import > Examples (${e.message.split('\n')[0]}): ${JSON.stringify(await tree.locator('.red-ui-treeList-label-text').allInnerTexts())}`,
          );
        });
        // A folder the tree remembers open is left as it is: its container has the class "expanded" at
        // once, while its entries may still be sliding in (a click then would close it again).
        if (i < steps.length - 1 && (await item.locator('xpath=..').evaluate((el) => el.classList.contains('expanded')))) continue;
        await item.click();
      }
      // The Import button is enabled once the editor has fetched the chosen example. On a loaded
      // machine a click on the file can land while the tree is still moving and select nothing (CI
      // saw the button stay disabled for 30 s): after 5 s without it, the file is clicked again.
      const ok = page.locator('#red-ui-clipboard-dialog-ok');
      const enabled = (timeout: number): Promise<boolean> =>
        page
          .waitForFunction(() => document.querySelector('#red-ui-clipboard-dialog-ok')?.hasAttribute('disabled') === false, undefined, { timeout })
          .then(
            () => true,
            () => false,
          );
      for (let attempt = 1; !(await enabled(5_000)); attempt++) {
        if (attempt === 4) throw new Error(`${example.relPath}: Import stayed disabled after the example was clicked ${attempt} times`);
        await label(steps[steps.length - 1] ?? '').click();
      }
      await ok.click();
      await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
      await page.waitForFunction((tabId) => (window as unknown as { RED: Red }).RED.nodes.workspace(tabId) !== undefined, String(example.tab.id), {
        timeout: 10_000,
      });
    }

    it('imports every example through Import > Examples, each into its own flow tab', async () => {
      for (const example of examples) {
        await importExample(example);
        const imported = await red(
          (r, ids) => (JSON.parse(ids) as string[]).filter((id) => r.nodes.node(id) === undefined && r.nodes.workspace(id) === undefined),
          JSON.stringify(example.nodes.map((n) => n.id)),
        );
        assert.deepEqual(imported, [], `${example.relPath}: nodes missing after the import`);
        assert.equal(
          (await page.locator('.red-ui-tab', { hasText: String(example.tab.label) }).count()) >= 1,
          true,
          `${example.relPath}: no flow tab "${String(example.tab.label)}"`,
        );
      }
      assert.deepEqual(editor.ours(), [], editor.ours().join('\n'));
    });

    /** Opens a config node's dialog by double-clicking it in the Configuration nodes sidebar. */
    async function openConfigDialog(id: string): Promise<void> {
      const found = await page.evaluate((nodeId) => {
        const jq = (window as unknown as { $: (s: string) => { toArray: () => HTMLElement[]; data?: unknown } }).$;
        const entry = jq('.red-ui-sidebar-config-category li')
          .toArray()
          .find((li) => (jq as unknown as (e: HTMLElement) => { data: (k: string) => unknown })(li).data('data-node-id') === nodeId);
        entry?.querySelector('.red-ui-palette-node-config')?.setAttribute('data-test-config-id', nodeId);
        return entry !== undefined;
      }, id);
      assert.ok(found, `config node ${id} is not in the Configuration nodes sidebar`);
      await page.locator(`[data-test-config-id="${id}"]`).dblclick();
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible', timeout: 10_000 });
    }

    /**
     * Clicks a tab of the server dialog until its content shows. Node-RED's tab bar takes a second click
     * within 400 ms of the one before (on any of its tabs) as a double-click and does not switch: a
     * click on Connection right after one on Advanced is not taken. A taken click shows the content at
     * once, so after 500 ms without it the click is made again.
     */
    async function showServerTab(label: 'Connection' | 'Advanced'): Promise<void> {
      const content = page.locator(`#filebridge-server-tab-${label.toLowerCase()}`);
      for (let i = 0; i < 10 && !(await content.isVisible()); i++) {
        await page.locator('#node-config-filebridge-server-tabs a', { hasText: label }).click();
        await content.waitFor({ state: 'visible', timeout: 500 }).catch(() => undefined);
      }
      assert.ok(await content.isVisible(), `the ${label} tab of the server dialog does not show`);
    }

    /**
     * A Dropbox account's dialog as a user fills it: the app key, the service URL (Advanced; here the
     * Dropbox simulator), then Connect to Dropbox: the sign-in page opens in a new window, the user
     * clicks Allow, copies the code shown into the dialog and finishes; the dialog names the account.
     */
    async function signInToDropbox(relPath: string): Promise<void> {
      await page.locator('#node-config-input-appKey').fill(dropbox.appKey);
      await showServerTab('Advanced');
      await page.locator('#node-config-input-serviceUrl').fill(dropbox.url);
      await showServerTab('Connection');
      // The dialog opens the sign-in page in a new window and shows its link beside the code field;
      // the user may use either, so the test opens the link itself (a popup that did open is closed).
      const popups: Page[] = [];
      const onPage = (p: Page): void => void popups.push(p);
      page.context().on('page', onPage);
      await page
        .locator('#filebridge-server-dropbox-connect')
        .click({ timeout: 15_000 })
        .catch(async (e: Error) => {
          // Which element hides the button (a debugging aid for the message only).
          const hidden = await page.evaluate(() => {
            const out: string[] = [];
            for (let el = document.querySelector('#filebridge-server-dropbox-connect'); el; el = el.parentElement) {
              const st = getComputedStyle(el);
              if (st.display === 'none' || st.visibility === 'hidden') out.push(`${el.tagName}#${el.id}.${el.className}`);
            }
            return out.join(' < ');
          });
          throw new Error(`${relPath}: Connect to Dropbox not clickable (${e.message.split('\n')[0]}), hidden by: ${hidden}`);
        });
      const link = page.locator('#filebridge-server-dropbox-authorize-link');
      await link.waitFor({ state: 'visible', timeout: 20_000 }).catch(async (e: Error) => {
        throw new Error(
          `${relPath}: Connect to Dropbox showed no sign-in link (${e.message.split('\n')[0]}): ${await page.locator('#filebridge-server-dropbox-result').innerText()}`,
        );
      });
      const url = String(await link.getAttribute('href'));
      assert.ok(url.startsWith(`${dropbox.url}/oauth2/authorize?`), `${relPath}: sign-in link ${url}`);
      // The window the dialog opened (or, had the browser blocked it, one the user opens from the link).
      let signIn = popups.find((p) => !p.isClosed());
      if (!signIn) {
        const [opened] = await Promise.all([
          page.context().waitForEvent('page'),
          page.evaluate((u) => {
            window.open(u, '_blank');
          }, url),
        ]);
        signIn = opened;
      }
      // The window goes to the link by itself: wait for it there. (A goto of our own could start while
      // its first navigation is still running, and Chromium then interrupts one of them.)
      await signIn.waitForURL((u) => u.href === url, { timeout: 15_000 });
      await signIn.locator('#allow').click();
      const code = (await signIn.locator('#code').innerText({ timeout: 15_000 })).trim();
      await signIn.close();
      page.context().off('page', onPage);
      for (const p of popups) if (!p.isClosed()) await p.close();
      await page.locator('#filebridge-server-dropbox-code').fill(code);
      await page.locator('#filebridge-server-dropbox-finish').click();
      const result = page.locator('#filebridge-server-dropbox-result');
      await result
        .locator('.filebridge-result-ok', { hasText: 'Sim User' })
        .waitFor({ state: 'visible', timeout: 20_000 })
        .catch(async (e: Error) => {
          throw new Error(`${relPath}: Connect to Dropbox did not finish (${e.message.split('\n')[0]}): ${await result.innerText()}`);
        });
    }

    async function closeConfigDialog(): Promise<void> {
      await page.locator('#node-config-dialog-ok').click();
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached', timeout: 10_000 });
    }

    it('takes each server, Content Server and REST API login through its config dialog, with Test connection passing', async () => {
      const s = servers();
      await page.locator('#red-ui-header-button-sidemenu').click();
      await page.locator('#menu-item-config-nodes').click();
      const tested = new Set<string>();
      /** The REST connections tested, as `<id> <auth type>`. */
      const restTested: string[] = [];
      const configTypes = ['filebridge-server', 'filebridge-cs-connection', 'filebridge-rest-connection'];
      for (const example of examples) {
        for (const config of example.nodes.filter((n) => configTypes.includes(n.type))) {
          await openConfigDialog(config.id);
          let kind: string;
          if (config.type === 'filebridge-rest-connection') {
            // What an integrator types for their API: its base URL and the login of the connection's
            // own authentication type (as dev/sandbox/flows.ts sets them), keeping the example's test path.
            kind = 'rest';
            await page.locator('#node-config-input-baseUrl').fill(rest.apiUrl);
            if (config.authType === 'basic') {
              await page.locator('#node-config-input-username').fill(rest.user);
              await page.locator('#node-config-input-password').fill(rest.password);
            } else if (config.authType === 'bearer') {
              await page.locator('#node-config-input-token').fill(rest.bearerToken);
            } else if (config.authType === 'apiKey') {
              await page.locator('#node-config-input-apiKey').fill(rest.apiKey);
            } else if (config.authType === 'oauth2') {
              await page.locator('#node-config-input-tokenUrl').fill(rest.tokenUrl);
              await page.locator('#node-config-input-clientId').fill(rest.clientId);
              await page.locator('#node-config-input-clientSecret').fill(rest.clientSecret);
            } else assert.fail(`${example.relPath}: REST connection ${config.id} has auth type ${String(config.authType)}`);
          } else if (config.type === 'filebridge-server' && config.protocol === 'dropbox') {
            kind = 'dropbox';
            await signInToDropbox(example.relPath);
          } else if (config.type === 'filebridge-server' && config.protocol === 'file360') {
            // What an integrator types for their tenant: API and SSO URL, the OAuth client and its secret
            // (User stays empty, as the examples have it: the client-credentials grant).
            kind = 'file360';
            await page.locator('#node-config-input-apiUrl').fill(file360.url);
            await page.locator('#node-config-input-ssoUrl').fill(file360.ssoUrl);
            await page.locator('#node-config-input-clientId').fill(file360.clientId);
            await page.locator('#node-config-input-clientSecret').fill(file360.clientSecret);
          } else if (config.type === 'filebridge-server') {
            kind = String(config.protocol);
            const server = kind === 'sftp' ? s.sftp : s.ftp;
            await page.locator('#node-config-input-host').fill(server.host);
            await page.locator('#node-config-input-port').fill(String(server.port));
            await page.locator('#node-config-input-username').fill(s.username);
            await page.locator('#node-config-input-password').fill(s.password);
            await page.locator('#node-config-filebridge-server-tabs a', { hasText: 'Security' }).click();
            if (kind === 'sftp') await page.locator('#node-config-input-hostKey').fill(s.sftp.hostKeyFingerprints.ed25519);
            else if (kind.startsWith('ftps')) await page.locator('#node-config-input-tlsCa').fill(s.certs.ca.cert.pem);
            await page.locator('#node-config-filebridge-server-tabs a', { hasText: 'Connection' }).click();
          } else {
            kind = 'cs';
            await page.locator('#node-config-input-baseUrl').fill(sim.apiBase);
            await page.locator('#node-config-input-authMode').selectOption('password');
            await page.locator('#node-config-input-username').fill('Admin');
            await page.locator('#node-config-input-password').fill('livelink');
          }
          if (kind === 'rest') {
            // Every REST connection (each has its own login) proves it reaches the simulator's API.
            tested.add(kind);
            const before = rest.stats().unauthorized;
            await page.locator('#filebridge-rest-connection-test-button').click();
            const result = page.locator('#filebridge-rest-connection-result');
            await result
              .locator('.filebridge-result-ok')
              .waitFor({ state: 'visible', timeout: 20_000 })
              .catch(async (e: Error) => {
                throw new Error(`${example.relPath}: Test connection for ${config.id} did not pass (${e.message.split('\n')[0]}): ${await result.innerText()}`);
              });
            assert.match(await result.innerText(), /HTTP 200/);
            assert.equal(rest.stats().unauthorized, before, `${example.relPath}: the simulator refused a login of ${config.id}`);
            restTested.push(`${config.id} ${String(config.authType)}${config.authType === 'apiKey' ? ` ${String(config.apiKeyIn)}` : ''}`);
          } else if (!tested.has(kind)) {
            // The first dialog of each kind also proves the settings as typed reach the server.
            tested.add(kind);
            await page.locator(kind === 'cs' ? '#filebridge-cs-connection-test-button' : '#filebridge-server-test-button').click();
            const result = page.locator(kind === 'cs' ? '#filebridge-cs-connection-result' : '#filebridge-server-test-result');
            await result
              .locator('.filebridge-result-ok')
              .waitFor({ state: 'visible', timeout: 20_000 })
              .catch(async (e: Error) => {
                throw new Error(`${example.relPath}: Test connection for ${kind} did not pass (${e.message.split('\n')[0]}): ${await result.innerText()}`);
              });
            if (kind === 'sftp') await editor.screenshot('dialog-filebridge-server.png');
          }
          await closeConfigDialog();
        }
      }
      assert.deepEqual([...tested].sort(), ['cs', 'dropbox', 'file360', 'ftp', 'ftps-explicit', 'rest', 'sftp']);
      // Each xc example's REST connection, each auth type of the simulator among them.
      assert.deepEqual(restTested, [
        'x01-api oauth2',
        'x02-api apiKey header',
        'x03-api bearer',
        'x04-api basic',
        'x05-api oauth2',
        'x06-api apiKey query',
        'x07-api basic',
      ]);
      const modes = rest.stats().authModes;
      assert.deepEqual(
        Object.keys(modes).filter((m) => modes[m as keyof typeof modes] === 0),
        [],
        `a login mode the simulator never saw: ${JSON.stringify(modes)}`,
      );
      // The partner formats of the xc examples: each dialog shows the example's settings and columns,
      // and OK keeps them as they were (the run of xc-01 below reads its catalogue with one).
      const formats = examples.flatMap((e) => e.nodes).filter((n) => n.type === 'filebridge-partner-format');
      assert.ok(formats.length > 0, 'the xc examples have no partner format');
      const settings = (n: Record<string, unknown> | undefined): unknown =>
        n && { kind: n.kind, delimiter: n.delimiter, encoding: n.encoding, lineEnding: n.lineEnding, decimalSeparator: n.decimalSeparator, columns: n.columns };
      for (const format of formats) {
        await openConfigDialog(format.id);
        const rows = page.locator('#node-config-input-columns-container .filebridge-format-column');
        await rows.first().waitFor({ state: 'visible', timeout: 10_000 });
        const shown = await rows.evaluateAll((els) =>
          els.map((el) =>
            ['.column-field', '.column-header', '.column-type', '.column-format'].map((c) => (el.querySelector(c) as HTMLInputElement).value).join('|'),
          ),
        );
        const columns = format.columns as { field: string; header: string; type: string; format: string }[];
        assert.deepEqual(
          shown,
          columns.map((c) => [c.field, c.header, c.type, c.format].join('|')),
          `${format.id}: the dialog shows other columns`,
        );
        assert.equal(await page.locator('#node-config-input-encoding').inputValue(), format.encoding, `${format.id}: encoding`);
        await closeConfigDialog();
        // Only the settings: the editor's node object links back to the editor.
        const kept = await red((r, id) => {
          const n = r.nodes.node(id);
          return JSON.stringify(
            n && {
              kind: n.kind,
              delimiter: n.delimiter,
              encoding: n.encoding,
              lineEnding: n.lineEnding,
              decimalSeparator: n.decimalSeparator,
              columns: n.columns,
            },
          );
        }, format.id);
        assert.deepEqual(settings(JSON.parse(kept) as Record<string, unknown>), settings(format), `${format.id}: OK changed the format`);
      }
      assert.deepEqual(editor.ours(), [], editor.ours().join('\n'));
    });

    const watches = (): FlowNode[] => examples.flatMap((e) => e.nodes.filter((n) => n.type === 'filebridge-watch'));

    it('deploys all examples: "Successfully deployed", every watch polling its folder, and no password, ticket or token in the exported flows', async () => {
      await deploy(page);
      // Each watch connects and lists its folder: "polling" (green ring) while a poll runs, "watching"
      // (green dot) between polls. Having shown "watching" proves a poll finished without an error; so
      // does "N in flight" (blue), shown by a watch whose folder already had files (the dbx-cs-08 team
      // folders of the Dropbox simulator are seeded).
      const deadline = Date.now() + 60_000;
      const idle = new Set<string>();
      for (;;) {
        const statuses = await red(
          (r, ids) =>
            Object.fromEntries(
              (JSON.parse(ids) as string[]).map((id) => {
                const st = r.nodes.node(id)?.status;
                return [id, `${st?.fill ?? ''}:${st?.text ?? ''}`];
              }),
            ),
          JSON.stringify(watches().map((w) => w.id)),
        );
        for (const [id, status] of Object.entries(statuses)) if (/^(green:watching|blue:\d+ in flight)$/.test(status)) idle.add(id);
        // ':' is no status yet: the flows are still starting.
        const wrong = Object.entries(statuses).filter(([, status]) => !/^(green:(polling|watching)|blue:\d+ in flight|:)$/.test(status));
        if (wrong.length > 0 || Date.now() > deadline) {
          assert.fail(
            `watch status other than polling/watching, or no finished poll within 60 s: ${JSON.stringify(statuses)} idle: ${[...idle].join(', ')}\n${editor.nodeRed.output().slice(-4000)}`,
          );
        }
        if (idle.size === watches().length) break;
        await page.waitForTimeout(250);
      }
      const res = await fetch(`${editor.nodeRed.url}/flows`);
      assert.equal(res.status, 200);
      const exported = await res.text();
      for (const secret of [
        servers().password,
        'livelink',
        dropbox.refreshToken,
        file360.clientSecret,
        rest.password,
        rest.bearerToken,
        rest.apiKey,
        rest.clientSecret,
      ]) {
        assert.ok(!exported.includes(secret), 'a secret typed into a config dialog shows in GET /flows');
      }
      assert.ok(
        !/"(password|passphrase|privateKey|ticket|token|refreshToken|clientSecret|apiKey)"\s*:/.test(exported),
        'GET /flows carries a credential property',
      );
      assert.deepEqual(editor.ours(), [], editor.ours().join('\n'));
    });

    it('after deploy, Test connection uses the stored passwords left as dots, and asks for them once host or URL is changed', async () => {
      const configs = examples.flatMap((e) => e.nodes);
      const sftp = configs.find((n) => n.type === 'filebridge-server' && n.protocol === 'sftp') as FlowNode;
      const cs = configs.find((n) => n.type === 'filebridge-cs-connection') as FlowNode;
      await page.locator('#red-ui-header-button-sidemenu').click();
      await page.locator('#menu-item-config-nodes').click();
      for (const [config, button, resultBox, field, elsewhere] of [
        [sftp, '#filebridge-server-test-button', '#filebridge-server-test-result', '#node-config-input-host', 'localhost'],
        [cs, '#filebridge-cs-connection-test-button', '#filebridge-cs-connection-result', '#node-config-input-baseUrl', 'http://127.0.0.1:9/otcs/cs.exe/api'],
      ] as const) {
        await openConfigDialog(config.id);
        // The editor shows a stored password as its placeholder; nobody retypes it.
        await page.waitForFunction(() => (document.querySelector('#node-config-input-password') as HTMLInputElement | null)?.value === '__PWRD__', undefined, {
          timeout: 10_000,
        });
        const result = page.locator(resultBox);
        await page.locator(button).click();
        await result
          .locator('.filebridge-result-ok')
          .waitFor({ state: 'visible', timeout: 20_000 })
          .catch(async (e: Error) => {
            throw new Error(`${config.type}: Test connection with the stored password did not pass (${e.message.split('\n')[0]}): ${await result.innerText()}`);
          });
        await page.locator(field).fill(elsewhere);
        await page.locator(button).click();
        await result
          .getByText(/type the password again/)
          .waitFor({ state: 'visible', timeout: 20_000 })
          .catch(async (e: Error) => {
            throw new Error(`${config.type}: a changed ${field} did not ask for the password (${e.message.split('\n')[0]}): ${await result.innerText()}`);
          });
        assert.equal(await result.locator('.filebridge-result-ok').count(), 0);
        // Cancel: the deployed flows stay as they are for the tests below.
        await page.locator('#node-config-dialog-cancel').click();
        await page.locator('#node-config-dialog-cancel').waitFor({ state: 'detached', timeout: 10_000 });
      }
      assert.deepEqual(editor.ours(), [], editor.ours().join('\n'));
    });

    /** Clicks an example's flow tab and waits until the editor shows it. */
    async function openExampleTab(relPath: string): Promise<ExampleFile> {
      const example = examples.find((e) => e.relPath === relPath);
      assert.ok(example, `${relPath} is not among the examples`);
      await page
        .locator('.red-ui-tab', { hasText: String(example.tab.label) })
        .first()
        .click();
      await page.waitForFunction((tabId) => (window as unknown as { RED: Red }).RED.workspaces.active() === tabId, String(example.tab.id), { timeout: 10_000 });
      return example;
    }

    it(`runs ${RUN_EXAMPLE.replace(/\.json$/, '')}: a file dropped on the sshd becomes a document in the Content Server simulator`, async () => {
      // The user opens the example's flow tab to watch it.
      const example = await openExampleTab(RUN_EXAMPLE);
      const watch = example.nodes.find((n) => n.type === 'filebridge-watch') as FlowNode;
      const statusLabel = page.locator(`g[id="${watch.id}"] .red-ui-flow-node-status-label`);
      await statusLabel.filter({ hasText: /^(polling|watching)$/ }).waitFor({ timeout: 10_000 });

      const csv = Buffer.from('shipment_id,carrier,weight\nS-1,DHL,12.5\nS-2,UPS,3\n');
      const name = 'SHIP_20261122_001.csv';
      await servers().writeFile(`${String(watch.folder)}/${name}`, csv);
      const deadline = Date.now() + 60_000;
      let doc: SimTree | undefined;
      while (!doc?.sha256) {
        if (Date.now() > deadline)
          assert.fail(`no ${name} in the simulator after 60 s; watch status: ${await statusLabel.innerText()}\n${editor.nodeRed.output().slice(-4000)}`);
        await page.waitForTimeout(500);
        const tree = (await (await fetch(`${sim.url}/__sim/tree`)).json()) as SimTree;
        doc = findPath(tree, ['Records', 'Shipments', '2026', '11', '22', name]);
      }
      assert.equal(doc.sha256, createHash('sha256').update(csv).digest('hex'), 'the document holds other bytes than the file dropped');
      assert.equal(doc.versions, 1);
      // Acked: the source left the inbox, and the watch is back to idle.
      assert.equal(await servers().exists(`${String(watch.folder)}/${name}`), false, 'the source file is still in the inbox');
      await statusLabel.filter({ hasText: /^watching$/ }).waitFor({ timeout: 15_000 });
      // Every step of the flow tells what it did, in the standard colours.
      const statusOf = async (type: string): Promise<string> => {
        const node = example.nodes.find((n) => n.type === type) as FlowNode;
        const group = page.locator(`g[id="${node.id}"] .red-ui-flow-node-status-group`);
        return `${await group.locator('rect.red-ui-flow-node-status').getAttribute('class')} ${await group.locator('.red-ui-flow-node-status-label').textContent()}`;
      };
      assert.match(await statusOf('filebridge-validate'), /status-dot-green valid: 1, invalid: 0$/);
      assert.match(await statusOf('filebridge-cs-upload'), new RegExp(`status-dot-green created: ${name}`));
      assert.match(await statusOf('filebridge-ack'), /status-dot-green/);
      assert.equal(
        await page
          .locator('#red-ui-workspace-chart [class*="red-ui-flow-node-status-dot-red"], #red-ui-workspace-chart [class*="red-ui-flow-node-status-ring-red"]')
          .count(),
        0,
        'a node of the flow shows a red status',
      );
      // Ctrl+Space hides the sidebar, so the whole flow fits the picture.
      await page.keyboard.press('Control+Space');
      await editor.screenshot('deployed-example.png');
      assert.deepEqual(editor.ours(), [], editor.ours().join('\n'));
    });

    it(`runs ${RUN_DROPBOX_EXAMPLE.replace(/\.json$/, '')}: a file put into Dropbox becomes a document in the Content Server simulator with its workflow`, async () => {
      const example = await openExampleTab(RUN_DROPBOX_EXAMPLE);
      const watch = example.nodes.find((n) => n.type === 'filebridge-watch') as FlowNode;
      const statusLabel = page.locator(`g[id="${watch.id}"] .red-ui-flow-node-status-label`);
      await statusLabel.filter({ hasText: /^(polling|watching)$/ }).waitFor({ timeout: 10_000 });

      const invoice = Buffer.from('%PDF-1.7\ninvoice 0042 ACME\n%%EOF\n');
      const name = 'INV_ACME_2026-11-02_0042.pdf';
      await dropbox.putFile(`${String(watch.folder)}/${name}`, invoice);
      const deadline = Date.now() + 60_000;
      let doc: SimTree | undefined;
      while (!doc?.sha256) {
        if (Date.now() > deadline)
          assert.fail(`no ${name} in the simulator after 60 s; watch status: ${await statusLabel.innerText()}\n${editor.nodeRed.output().slice(-4000)}`);
        await page.waitForTimeout(500);
        const tree = (await (await fetch(`${sim.url}/__sim/tree`)).json()) as SimTree;
        doc = findPath(tree, ['Partners', 'ACME', 'Invoices', '2026', name]);
      }
      assert.equal(doc.sha256, createHash('sha256').update(invoice).digest('hex'), 'the document holds other bytes than the file put into Dropbox');
      const records = (await (await fetch(`${sim.url}/__sim/records`)).json()) as { processes: { workflow_id: number }[] };
      assert.deepEqual(
        records.processes.map((p) => p.workflow_id),
        [2401],
        'one Invoice Approval workflow started',
      );
      // Moved out of "Ready for approval" in Dropbox, and the watch is back to idle.
      assert.equal(dropbox.entry(`${String(watch.folder)}/${name}`), undefined, 'the file is still in the Dropbox folder');
      await statusLabel.filter({ hasText: /^watching$/ }).waitFor({ timeout: 15_000 });
      assert.deepEqual(editor.ours(), [], editor.ours().join('\n'));
    });

    it(`runs ${RUN_FILE360_EXAMPLE.replace(/\.json$/, '')}: a supplier file dropped on vsftpd becomes a File 360 document in a folder shared with both groups`, async () => {
      const example = await openExampleTab(RUN_FILE360_EXAMPLE);
      const watch = example.nodes.find((n) => n.type === 'filebridge-watch') as FlowNode;
      const statusLabel = page.locator(`g[id="${watch.id}"] .red-ui-flow-node-status-label`);
      await statusLabel.filter({ hasText: /^(polling|watching)$/ }).waitFor({ timeout: 10_000 });

      const image = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]), Buffer.from('front view of A-100')]);
      const name = 'A-100_front.jpg';
      await servers().writeFile(`${String(watch.folder)}/${name}`, image);
      const path = `/Suppliers/ACME/Product images/${name}`;
      const deadline = Date.now() + 60_000;
      while (!file360.documentAt(path)) {
        if (Date.now() > deadline)
          assert.fail(
            `no ${path} in the File 360 simulator after 60 s; watch status: ${await statusLabel.innerText()}\n${editor.nodeRed.output().slice(-4000)}`,
          );
        await page.waitForTimeout(500);
      }
      assert.equal(file360.documentAt(path)?.sha256, createHash('sha256').update(image).digest('hex'), 'the document holds other bytes than the file dropped');
      assert.deepEqual(
        file360
          .folderAt('/Suppliers/ACME/Product images')
          ?.collaborators.map((c) => `${c.name}:${c.role}`)
          .sort(),
        ['Retail Partners:viewer', 'Supplier ACME:editor'],
      );
      const put = example.nodes.find((n) => n.type === 'filebridge-f360-put') as FlowNode;
      await page
        .locator(`g[id="${put.id}"] rect.red-ui-flow-node-status[class*="status-dot-green"]`)
        .waitFor({ timeout: 15_000 })
        .catch(async (e: Error) => {
          throw new Error(
            `file360 put shows no green status (${e.message.split('\n')[0]}): ${await page.locator(`g[id="${put.id}"] .red-ui-flow-node-status-label`).innerText()}`,
          );
        });
      await statusLabel.filter({ hasText: /^watching$/ }).waitFor({ timeout: 15_000 });
      assert.deepEqual(editor.ours(), [], editor.ours().join('\n'));
    });

    it(`runs ${RUN_REST_EXAMPLE.replace(/\.json$/, '')}: a catalogue dropped on vsftpd becomes products in the REST simulator, signed in by OAuth2`, async () => {
      const example = await openExampleTab(RUN_REST_EXAMPLE);
      const watch = example.nodes.find((n) => n.type === 'filebridge-watch') as FlowNode;
      const statusLabel = page.locator(`g[id="${watch.id}"] .red-ui-flow-node-status-label`);
      await statusLabel.filter({ hasText: /^(polling|watching)$/ }).waitFor({ timeout: 10_000 });

      const prefix = `XC01-BROWSER-${runtime.index}`;
      const csv = `sku,name,price,currency,category\r\n${prefix}-1,"Bolt M6, zinc",0.35,EUR,Fasteners\r\n${prefix}-2,Washer,1234.50,EUR,Fasteners\r\n`;
      const name = 'catalogue_browser_20261207.csv';
      const oauthBefore = rest.stats().authModes.oauth;
      await servers().writeFile(`${String(watch.folder)}/${name}`, csv);
      const stored = (): { sku: string; name?: unknown; price?: unknown; category?: unknown }[] =>
        rest
          .state({ resource: 'products', offset: 0, limit: 100_000 })
          .products.items.filter((p) => String(p.sku).startsWith(`${prefix}-`))
          .map((p) => ({ sku: String(p.sku), name: p.name, price: p.price, category: p.category }))
          .sort((a, b) => a.sku.localeCompare(b.sku));
      const deadline = Date.now() + 60_000;
      while (stored().length < 2) {
        if (Date.now() > deadline)
          assert.fail(
            `no products ${prefix}-* in the REST simulator after 60 s; watch status: ${await statusLabel.innerText()}\n${editor.nodeRed.output().slice(-4000)}`,
          );
        await page.waitForTimeout(250);
      }
      assert.deepEqual(stored(), [
        { sku: `${prefix}-1`, name: 'Bolt M6, zinc', price: 0.35, category: 'Fasteners' },
        { sku: `${prefix}-2`, name: 'Washer', price: 1234.5, category: 'Fasteners' },
      ]);
      assert.ok(rest.stats().authModes.oauth > oauthBefore, 'the records were posted with an OAuth2 token from the connection typed in its dialog');
      // Archived: the source left the drop folder, the post shows green, and the watch is back to idle.
      const post = example.nodes.find((n) => n.type === 'filebridge-rest-request') as FlowNode;
      await page
        .locator(`g[id="${post.id}"] rect.red-ui-flow-node-status[class*="status-dot-green"]`)
        .waitFor({ timeout: 15_000 })
        .catch(async (e: Error) => {
          throw new Error(
            `rest request shows no green status (${e.message.split('\n')[0]}): ${await page.locator(`g[id="${post.id}"] .red-ui-flow-node-status-label`).innerText()}`,
          );
        });
      const ack = example.nodes.find((n) => n.type === 'filebridge-ack') as FlowNode;
      await page.locator(`g[id="${ack.id}"] rect.red-ui-flow-node-status[class*="status-dot-green"]`).waitFor({ timeout: 15_000 });
      assert.equal(await servers().exists(`${String(watch.folder)}/${name}`), false, 'the catalogue is still in the drop folder');
      await statusLabel.filter({ hasText: /^watching$/ }).waitFor({ timeout: 15_000 });
      assert.deepEqual(editor.ours(), [], editor.ours().join('\n'));
    });

    it("fills a cs upload's folder and categories by browsing the Content Server in its dialog, not by typing ids", async () => {
      const example = await openExampleTab(RUN_EXAMPLE);
      const upload = example.nodes.find((n) => n.type === 'filebridge-cs-upload') as FlowNode;
      await doubleClickNode(page, upload.id);
      const folder = page.locator('#node-input-folder');
      await folder.waitFor({ state: 'visible', timeout: 15_000 });
      await folder.fill('');
      const picker = page.locator('.filebridge-cs-picker');
      const head = picker.locator('.filebridge-cs-picker-head code');
      const entry = (name: string): Locator =>
        picker.locator('.filebridge-cs-picker-list > div', { has: page.locator('span', { hasText: new RegExp(`^ ${name}$`) }) });

      // An empty field starts at the Enterprise workspace, as the deployed connection sees it.
      await page.locator('#node-input-folder-browse').click();
      await head
        .filter({ hasText: /^Enterprise$/ })
        .waitFor({ timeout: 15_000 })
        .catch(async (e: Error) => {
          throw new Error(`the folder picker did not open at Enterprise (${e.message.split('\n')[0]}): ${await picker.innerText().catch(() => 'no picker')}`);
        });
      const top = DEFAULT_SEED.nodes.filter((n) => n.parent_id === 2000).map((n) => n.name);
      for (const name of top) await entry(name).waitFor({ timeout: 5_000 });
      // Into Records, where the run just filed Shipments/..., up again, and into Records to select it.
      await entry('Records').click();
      await head.filter({ hasText: /^Enterprise:Records$/ }).waitFor({ timeout: 10_000 });
      await entry('Shipments').waitFor({ timeout: 5_000 });
      await picker.locator('.filebridge-cs-picker-head a').click();
      await head.filter({ hasText: /^Enterprise$/ }).waitFor({ timeout: 10_000 });
      await entry('Records').click();
      await head.filter({ hasText: /^Enterprise:Records$/ }).waitFor({ timeout: 10_000 });
      await editor.screenshot('picker-cs-folder.png');
      await picker.locator('.filebridge-cs-picker-foot button', { hasText: 'Select' }).click();
      await picker.waitFor({ state: 'detached', timeout: 5_000 });
      assert.equal(await folder.inputValue(), 'Enterprise:Records');

      // The categories Records offers, with their attributes; picking one writes its skeleton.
      const record = DEFAULT_SEED.categories.find((c) => c.name === 'Transfer Record');
      assert.ok(record, 'the simulator seed has no Transfer Record category');
      await page.locator('#node-input-categories-pick').click();
      const category = entry(record.name);
      await category.waitFor({ timeout: 15_000 }).catch(async (e: Error) => {
        throw new Error(`the category picker did not list ${record.name} (${e.message.split('\n')[0]}): ${await picker.innerText().catch(() => 'no picker')}`);
      });
      assert.match(await category.innerText(), /Source Host \(string\)/);
      await category.click();
      await picker.waitFor({ state: 'detached', timeout: 5_000 });
      const categories = await page.evaluate(() =>
        (window as unknown as { $: (s: string) => { typedInput: (m: string) => string } }).$('#node-input-categories').typedInput('value'),
      );
      assert.deepEqual(JSON.parse(categories), { [record.name]: Object.fromEntries(record.attributes.map((a) => [a.name, ''])) });

      await page.locator('#node-dialog-ok').click();
      await page.locator('.red-ui-tray').waitFor({ state: 'detached', timeout: 10_000 });
      const kept = await red((r, id) => JSON.stringify({ folder: r.nodes.node(id)?.folder, categories: r.nodes.node(id)?.categories }), upload.id);
      assert.deepEqual(JSON.parse(kept), { folder: 'Enterprise:Records', categories });
      assert.deepEqual(editor.ours(), [], editor.ours().join('\n'));
    });
  });
}
