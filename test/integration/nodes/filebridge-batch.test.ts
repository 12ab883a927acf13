import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import batchNode from '../../../src/nodes/filebridge-batch';
import { nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow, onCall, startTestServer, stopTestServer } from '../../support/flow-helper';
import { contextStoresLoader, fileContextStorage } from '../../support/context-store';

helper.init(nodeRedPath());

type Msg = {
  payload: unknown[];
  topic: string;
  filebridge: { batch: { key: string; count: number; reason: string } };
  error?: { code?: string; message: string };
};

function flow(batch: Record<string, unknown> = {}): Record<string, unknown>[] {
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    {
      id: 'batch',
      z: 'tab',
      x: 100,
      y: 100,
      type: 'filebridge-batch',
      key: 'topic',
      keyType: 'msg',
      property: 'payload',
      quietSeconds: 0.5,
      maxItems: 100,
      store: 'file',
      wires: [['out']],
      ...batch,
    },
    { id: 'out', z: 'tab', x: 300, y: 100, type: 'helper' },
  ];
}

function filesIn(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else found.push(p);
    }
  };
  walk(dir);
  return found;
}

describe('filebridge-batch node in a Node-RED flow', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'batch-context-'));
    await startTestServer();
  });
  afterEach(async () => {
    await helper.unload();
    await stopTestServer();
    helper.settings({});
    rmSync(dir, { recursive: true, force: true });
  });

  it('a batch Node-RED stopped in the middle of is completed after the restart, from the file store', async () => {
    helper.settings({ contextStorage: fileContextStorage(dir) } as never);
    await loadFlow([batchNode, contextStoresLoader()], flow({ quietSeconds: 30 }));
    const statuses: string[] = [];
    onCall<{ text?: string }>('batch', 'status', (call) => statuses.push(String(call.args[0]?.text)));
    const batch = helper.getNode('batch');
    batch.receive({ topic: 'B7', payload: { file: 'FORM_B7_001.pdf', status: 'ACCEPTED' } });
    batch.receive({ topic: 'B7', payload: { file: 'FORM_B7_002.pdf', status: 'ACCEPTED' } });
    for (let i = 0; i < 100 && !statuses.some((t) => t.includes('2 items')); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(statuses.includes('1 open (2 items), 0 sent'), statuses.join(' | '));
    const saved = filesIn(dir)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    assert.match(saved, /FORM_B7_002\.pdf/, `both items are on disk before Node-RED stops: ${JSON.stringify(filesIn(dir))} ${saved}`);

    // Node-RED stops long before the batch's 30 s are up, and starts again.
    await helper.unload();
    await loadFlow([batchNode, contextStoresLoader()], flow({ quietSeconds: 0.5 }));
    const arrivals = new Arrivals<Msg>(['out']);
    helper.getNode('batch').receive({ topic: 'B7', payload: { file: 'FORM_B7_003.pdf', status: 'REJECTED' } });
    const { msg } = await arrivals.next();
    assert.equal(msg.topic, 'B7');
    assert.deepEqual(
      msg.payload.map((r) => (r as { file: string }).file),
      ['FORM_B7_001.pdf', 'FORM_B7_002.pdf', 'FORM_B7_003.pdf'],
    );
    assert.deepEqual(
      { key: msg.filebridge.batch.key, count: msg.filebridge.batch.count, reason: msg.filebridge.batch.reason },
      { key: 'B7', count: 3, reason: 'quiet' },
    );
  });

  it('a full batch goes at once; bad input reaches a Catch node as INVALID_INPUT', async () => {
    helper.settings({ contextStorage: fileContextStorage(dir) } as never);
    await loadFlow([batchNode, contextStoresLoader()], flow({ maxItems: 2, quietSeconds: 60 }));
    const arrivals = new Arrivals<Msg>(['out']);
    const errors: unknown[] = [];
    onCall<unknown>('batch', 'error', (call) => errors.push(call.args[0]));
    const batch = helper.getNode('batch');
    batch.receive({ topic: 7, payload: 'a' } as never);
    batch.receive({ topic: 7, payload: 'b' } as never);
    const { msg } = await arrivals.next();
    assert.deepEqual([msg.topic, msg.payload, msg.filebridge.batch.reason], ['7', ['a', 'b'], 'size']);
    batch.receive({ payload: 'no key' });
    for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const err = errors[0] as { code?: string; message?: string };
    assert.equal(err.code, 'INVALID_INPUT');
    assert.match(err.message ?? '', /batch key \(msg\.topic\)/);
  });

  it('shows a yellow status when settings.js has no store of that name', async () => {
    const statuses: { fill?: string; text?: string }[] = [];
    await loadFlow([batchNode], flow());
    onCall<{ fill?: string; text?: string }>('batch', 'status', (call) => statuses.push(call.args[0]));
    helper.getNode('batch').receive({ topic: 'k', payload: 1 });
    for (let i = 0; i < 50 && statuses.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(statuses[statuses.length - 1].fill, 'yellow');
    assert.match(statuses[statuses.length - 1].text ?? '', /no store "file"/);
  });
});
