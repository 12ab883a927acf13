import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runtimes, Runtime } from '../../support/runtimes';
import { installIntoUserDir, packPackage } from '../../../dev/support/packed-package';
import { startNodeRed } from '../../../dev/sandbox/node-red-process';

interface NodeSet {
  id: string;
  module: string;
  types: string[];
  enabled: boolean;
  loaded: boolean;
  err?: string;
}

/*
 * The package as users get it: packed by npm, installed from the tarball into a fresh user
 * directory, loaded by the real Node-RED runtime of each supported major version.
 */
describe('package loads in Node-RED (npm pack, fresh user directory)', function () {
  this.timeout(600_000);
  let work: string;
  let tarball: string;
  let expectedTypes: string[];
  let all: Runtime[];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'filebridge-pack-'));
    const packed = await packPackage();
    tarball = packed.tarball;
    const files = packed.files;
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
    expectedTypes = Object.keys(pkg['node-red'].nodes);
    for (const file of Object.values(pkg['node-red'].nodes)) {
      assert.ok(files.includes(file), `${file} is missing from the packed tarball`);
      assert.ok(files.includes(file.replace(/\.js$/, '.html')), `${file.replace(/\.js$/, '.html')} is missing from the tarball`);
    }
    assert.ok(
      files.some((f) => f.startsWith('dist/core/')),
      'compiled core is missing from the tarball',
    );
    // The editor code: each node's bundle and the dialogs' stylesheet, built into resources/.
    for (const type of Object.keys(pkg['node-red'].nodes))
      assert.ok(files.includes(`resources/${type}.js`), `resources/${type}.js (the editor bundle) is missing from the tarball`);
    assert.ok(files.includes('resources/filebridge-editor.css'), 'resources/filebridge-editor.css is missing from the tarball');
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'sources or tests leaked into the tarball');
    all = await runtimes();
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Distinct values, so a leak of any one of them shows. */
  const SECRETS = {
    s1: {
      password: 'sftp-pass-3141',
      privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nkeymaterial2718\n-----END OPENSSH PRIVATE KEY-----',
      passphrase: 'phrase-1618',
    },
    s2: { password: 'ftp-pass-1414' },
    c1: { password: 'cs-pass-1732' },
    c2: { clientSecret: 'otds-secret-2236' },
    c3: { ticket: 'ticket-2449' },
  };

  for (const index of [0, 1]) {
    it(`registers every node type without error in ${index === 0 ? 'Node-RED 4.1 / Node 20' : 'Node-RED 5 / Node 22'}`, async () => {
      const runtime = all[index];
      const userDir = join(work, `user-${index}`);
      // A real npm install into this directory (not the per-process copy): the install is part of what
      // this proves. Once is enough: npm (this process's) would install the very same files again for
      // the second runtime, which gets a copy of the per-process install (itself a real npm install).
      await installIntoUserDir(tarball, userDir, { fresh: index === 0 });
      const nodeRed = await startNodeRed(runtime, userDir);
      try {
        const res = await fetch(`${nodeRed.url}/nodes`, { headers: { Accept: 'application/json' } });
        assert.equal(res.status, 200);
        const sets = (await res.json()) as NodeSet[];
        const ours = sets.filter((s) => s.module === 'node-red-contrib-ecm-filebridge');
        const types = ours.flatMap((s) => s.types).sort();
        assert.deepEqual(types, [...expectedTypes].sort(), `${runtime.label} registered ${types.join(', ')}\n${nodeRed.output()}`);
        for (const set of ours) {
          assert.equal(set.err, undefined, `${set.id} failed to load in ${runtime.label}: ${set.err}`);
          assert.equal(set.enabled, true, `${set.id} is disabled`);
          // The admin API only reports `loaded` when it is false.
          assert.notEqual(set.loaded, false, `${set.id} is not loaded`);
        }
        const html = await (await fetch(`${nodeRed.url}/nodes`, { headers: { Accept: 'text/html' } })).text();
        for (const type of expectedTypes) assert.match(html, new RegExp(`registerType\\(\\s*['"]${type}['"]`), `editor HTML of ${type} not served`);
        // Every resource the node HTML loads is served from the installed package (resources/<module>/...).
        const resources = [...new Set([...html.matchAll(/\b(?:src|href)="(resources\/node-red-contrib-ecm-filebridge\/[^"]+)"/g)].map((m) => m[1]))];
        assert.equal(resources.length, expectedTypes.length + 1, `one bundle per node type and the stylesheet: ${resources.join(', ')}`);
        for (const resource of resources) {
          const served = await fetch(`${nodeRed.url}/${resource}`);
          assert.equal(served.status, 200, `${runtime.label} answered ${served.status} for ${resource}`);
          assert.match(served.headers.get('content-type') ?? '', resource.endsWith('.css') ? /text\/css/ : /javascript/, `${resource} content type`);
          assert.ok((await served.text()).length > 0, `${resource} is empty`);
        }
        // The runtime must also be able to start a flow made of these nodes.
        const logBefore = nodeRed.output().length;
        const deployLog = (): string => nodeRed.output().slice(logBefore);
        const deploy = await fetch(`${nodeRed.url}/flows`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
          body: JSON.stringify([
            { id: 't1', type: 'tab', label: 'load test' },
            { id: 's1', type: 'filebridge-server', protocol: 'sftp', host: '127.0.0.1', port: '1', username: 'nobody', credentials: SECRETS.s1 },
            { id: 's2', type: 'filebridge-server', protocol: 'ftps-explicit', host: '127.0.0.1', port: '1', username: 'nobody', credentials: SECRETS.s2 },
            {
              id: 'c1',
              type: 'filebridge-cs-connection',
              baseUrl: 'http://127.0.0.1:1/otcs/cs.exe/api',
              authMode: 'password',
              username: 'svc',
              credentials: SECRETS.c1,
            },
            {
              id: 'c2',
              type: 'filebridge-cs-connection',
              baseUrl: 'http://127.0.0.1:1/otcs/cs.exe/api',
              authMode: 'otds',
              otdsUrl: 'http://127.0.0.1:1',
              clientId: 'c',
              credentials: SECRETS.c2,
            },
            { id: 'c3', type: 'filebridge-cs-connection', baseUrl: 'http://127.0.0.1:1/otcs/cs.exe/api', authMode: 'ticket', credentials: SECRETS.c3 },
            { id: 'r1', type: 'filebridge-remote', z: 't1', x: 100, y: 100, server: 's1', operation: 'list', path: '.', pathType: 'str', wires: [[]] },
            { id: 'u1', type: 'filebridge-cs-upload', z: 't1', x: 100, y: 200, connection: 'c1', folder: 'Enterprise:Inbound', wires: [[]] },
            { id: 'u2', type: 'filebridge-cs-upload', z: 't1', x: 100, y: 300, connection: 'c2', folder: 'Enterprise:Inbound', wires: [[]] },
            { id: 'u3', type: 'filebridge-cs-upload', z: 't1', x: 100, y: 400, connection: 'c3', folder: 'Enterprise:Inbound', wires: [[]] },
            { id: 'r2', type: 'filebridge-remote', z: 't1', x: 100, y: 500, server: 's2', operation: 'list', path: '.', pathType: 'str', wires: [[]] },
          ]),
        });
        assert.ok(deploy.status === 200 || deploy.status === 204, `deploy answered ${deploy.status}: ${await deploy.text()}`);
        const deadline = Date.now() + 20_000;
        while (!/Started flows/.test(deployLog()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        assert.match(deployLog(), /Started flows/, deployLog());
        assert.doesNotMatch(deployLog(), /missing types|Waiting for missing/i);
        // What an export (or a backup of flows.json) gets: no password, key, passphrase, secret or ticket.
        const exported = JSON.stringify(await (await fetch(`${nodeRed.url}/flows`)).json());
        assert.match(exported, /filebridge-cs-connection/);
        const onDisk = await readFile(join(userDir, 'flows.json'), 'utf8');
        for (const secret of Object.values(SECRETS).flatMap((c) => Object.values(c))) {
          const marker = secret.split('\n').find((line) => /\d{4}/.test(line)) ?? secret;
          assert.ok(!exported.includes(marker), `a credential (${marker.slice(0, 6)}...) is in GET /flows`);
          assert.ok(!onDisk.includes(marker), `a credential (${marker.slice(0, 6)}...) is in flows.json`);
          assert.ok(!nodeRed.output().includes(marker), `a credential (${marker.slice(0, 6)}...) is in the log`);
        }
      } finally {
        await nodeRed.stop();
      }
    });
  }
});
