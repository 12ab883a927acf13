import { strict as assert } from 'node:assert';
import { folderWithin, parseWorkspaceTarget } from '../../../../src/core/content-server/workspace-target';
import { FileBridgeError } from '../../../../src/core/errors';

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && pattern.test(err.message));
}

describe('cs workspace targets', () => {
  it('reads a business object, a name and a template, with ids given as text', () => {
    const t = parseWorkspaceTarget({
      businessObject: { extSystemId: 'SAP', boType: 'KNA1', boId: 4711 },
      create: { templateId: '3001', workspaceTypeId: 10, parent: 'Enterprise:Customers' },
    });
    assert.deepEqual(t.businessObject, { extSystemId: 'SAP', boType: 'KNA1', boId: '4711' });
    assert.deepEqual([t.create?.templateId, t.create?.workspaceTypeId, t.create?.parent], [3001, 10, 'Enterprise:Customers']);
    assert.deepEqual(parseWorkspaceTarget({ name: 'ACME', type: '7' }), { name: 'ACME', type: 7 });
  });

  it('names the field that is wrong and what it takes', () => {
    refused(() => parseWorkspaceTarget('ACME'), /must be an object/);
    refused(() => parseWorkspaceTarget({}), /businessObject .* or a name/);
    refused(() => parseWorkspaceTarget({ businessObject: { extSystemId: 'SAP', boId: '1' } }), /workspace\.businessObject needs boType/);
    refused(() => parseWorkspaceTarget({ name: 'A', create: { workspaceTypeId: 10 } }), /workspace\.create\.templateId is required/);
    refused(() => parseWorkspaceTarget({ name: 'A', create: { templateId: 'x', workspaceTypeId: 10 } }), /templateId must be a node id, got 'x'/);
    refused(() => parseWorkspaceTarget({ name: { first: 'A' } }), /workspace\.name must be text/);
  });

  it('places a relative folder inside the workspace and leaves rooted paths and ids alone', () => {
    assert.equal(folderWithin(5000, undefined), 5000);
    assert.equal(folderWithin(5000, ''), 5000);
    assert.equal(folderWithin(5000, 'Invoices/2026'), '5000:Invoices/2026');
    assert.equal(folderWithin(5000, '/Invoices'), '5000:Invoices');
    assert.equal(folderWithin(5000, 'Enterprise:Archive'), 'Enterprise:Archive');
    assert.equal(folderWithin(5000, '7777'), '7777');
    assert.equal(folderWithin(5000, 7777), 7777);
  });
});
