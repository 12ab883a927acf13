import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withContractTable } from '../../../dev/docs/message-contract';
import { MESSAGE_CONTRACT, messageContractTable, receivedFacts, withFacts } from '../../../src/core/message';
import { REPO_ROOT } from '../../support/runtimes';

describe('the msg.filebridge contract', () => {
  it("the README's message table is the one the contract in src/core/message.ts makes (npm run docs:message)", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    assert.equal(withContractTable(readme), readme, 'README.md differs from the contract: run npm run docs:message');
  });

  it('names every key once, with a writer, and the table has a row per key', () => {
    const keys = Object.keys(MESSAGE_CONTRACT);
    const rows = messageContractTable().split('\n').slice(2);
    assert.equal(rows.length, keys.length);
    for (const [i, key] of keys.entries()) {
      assert.ok(rows[i].startsWith(`| \`${key}\` |`), rows[i]);
      assert.equal(rows[i].split(' | ').length, 4, `no stray "|" in the row of ${key}: ${rows[i]}`);
      assert.ok(MESSAGE_CONTRACT[key as keyof typeof MESSAGE_CONTRACT].writtenBy.length > 0, `${key} has a writer`);
    }
  });

  it('a node adds its facts and keeps everything else the message carried; a non-object filebridge counts as empty', () => {
    const msg = { filebridge: { correlationId: 'c1', custom: { keep: true }, cs: { id: 1 } } };
    const merged = withFacts(msg, { audit: undefined, cs: { id: 2, version: 1, name: 'a.pdf', folderId: 9, path: 'x:a.pdf', action: 'created' } });
    assert.deepEqual(merged.custom, { keep: true });
    assert.equal(merged.correlationId, 'c1');
    assert.deepEqual((merged.cs as { id: number }).id, 2);
    assert.deepEqual(receivedFacts({ filebridge: 'text' }), {});
    assert.deepEqual(receivedFacts({ filebridge: [1] }), {});
    assert.deepEqual(receivedFacts({}), {});
  });
});
