import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import remoteNode from '../../../src/nodes/filebridge-remote';
import { servers } from '../../support/dev-servers';
import { nodeRedPath } from '../../support/node-red-under-test';
import { loadFlow, startTestServer, stopTestServer } from '../../support/flow-helper';
import { coreNodes, exampleFiles, prepareExample, PreparedExample } from '../../support/example-flows';
import { REPO_ROOT } from '../../support/runtimes';

helper.init(nodeRedPath());

type Msg = Record<string, unknown> & { payload?: unknown; filebridge?: Record<string, Record<string, unknown>>; error?: { message: string; code?: string } };

/** Fires an inject node of the example and waits for the next message at a node (usually a debug). */
function fire(example: PreparedExample, injectName: string, atType: string, atName: string, count = 1): Promise<Msg[]> {
  const target = helper.getNode(example.byName(atType, atName).id);
  const catchDebug = example.flow.find((n) => n.type === 'debug' && n.name === 'error code and text');
  return new Promise((resolve, reject) => {
    const got: Msg[] = [];
    target.on('input', (m: Msg) => {
      got.push(m);
      if (got.length === count) resolve(got);
    });
    if (catchDebug)
      helper.getNode(catchDebug.id).on('input', (m: Msg) => reject(new Error(`the example's Catch node got: ${m.error?.code} ${m.error?.message}`)));
    helper.getNode(example.byName('inject', injectName).id).receive({});
  });
}

const tested = new Set<string>();

describe('example flows, loaded unchanged but for server settings (real servers)', function () {
  this.timeout(60_000);
  beforeEach(() => startTestServer());
  afterEach(async () => {
    await helper.unload();
    await stopTestServer();
  });

  const sftpExample = 'basics/SFTP - list, fetch and publish files.json';
  tested.add(sftpExample);
  it(sftpExample, async () => {
    const s = servers();
    await s.remove('inbox');
    await s.remove('outbox');
    await s.writeFile('inbox/a-orders.csv', 'id;amount\n1;2\n');
    await s.writeFile('inbox/b-notes.txt', 'hello');
    await s.writeFile('inbox/c-image.png', 'not listed by the *.{txt,csv} glob');
    const example = prepareExample(sftpExample);
    await loadFlow([serverNode, remoteNode, ...coreNodes()], example.flow, example.credentials);

    const [listed] = await fire(example, 'List inbox', 'debug', 'entries');
    assert.deepEqual(
      (listed.payload as { name: string }[]).map((e) => e.name),
      ['a-orders.csv', 'b-notes.txt'],
    );

    const [published] = await fire(example, 'Publish report', 'debug', 'published');
    const path = published.filebridge?.put.path as string;
    assert.match(path, /^outbox\/report-\d{8}-\d{6}\.csv$/);
    assert.equal((await s.readFile(path)).toString(), 'id;amount\n1;12.50\n2;99.00\n');
    assert.equal(await s.exists(`${path}.done`), true, 'the done file is written beside the report');

    const [fetched] = await fire(example, 'Fetch first file', 'debug', 'file facts');
    assert.equal(fetched.filebridge?.file.path, 'inbox/a-orders.csv');
    assert.deepEqual(fetched.payload, Buffer.from('id;amount\n1;2\n'));
  });

  const ftpsExample = 'basics/FTPS - publish and archive files.json';
  tested.add(ftpsExample);
  it(ftpsExample, async () => {
    const s = servers();
    await s.remove('inbox');
    await s.remove('outbox');
    await s.remove('archive');
    await s.writeFile('inbox/one.xml', '<a/>');
    await s.writeFile('inbox/two.xml', '<b/>');
    await s.writeFile('inbox/keep.txt', 'not xml');
    await s.writeFile('outbox/orders.xml', 'an earlier delivery');
    const example = prepareExample(ftpsExample);
    await loadFlow([serverNode, remoteNode, ...coreNodes()], example.flow, example.credentials);

    await fire(example, 'Publish', 'debug', 'published');
    assert.match((await s.readFile('outbox/orders.xml')).toString(), /<order id="1" amount="12.50"\/>/);

    const moved = await fire(example, 'Archive inbox files', 'debug', 'archived', 2);
    const day = new Date();
    const stamp = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
    assert.deepEqual(moved.map((m) => m.filebridge?.move.to).sort(), [`archive/${stamp}/one.xml`, `archive/${stamp}/two.xml`]);
    assert.equal((await s.readFile(`archive/${stamp}/two.xml`)).toString(), '<b/>');
    assert.equal(await s.exists('inbox/one.xml'), false);
    assert.equal(await s.exists('inbox/keep.txt'), true);
  });

  it('every example file has an end-to-end test (here or in another test/integration/examples file)', () => {
    // A test names its example by file path (as the string given to prepareExample); the compiled
    // tests keep those strings, so the check reads the test sources beside this file.
    const dir = join(REPO_ROOT, 'test', 'integration', 'examples');
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    const untested = exampleFiles().filter((f) => !tested.has(f) && !sources.includes(`'${f}'`));
    assert.deepEqual(untested, [], 'examples without an end-to-end test');
  });
});
