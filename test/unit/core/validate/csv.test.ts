import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { csvCheck } from '../../../../src/core/validate/csv';
import { parseRules, type RuleSettings } from '../../../../src/core/validate/rules';
import { run } from '../../../support/content-check';

const csvRule = (settings: NonNullable<RuleSettings['csv']>) => parseRules({ csv: settings }).csv!;

describe('validate: CSV structure', () => {
  const good = 'id,amount,date,status\n1,12.50,2026-11-02,OPEN\n2,-3,2026-02-28,CLOSED\n';
  const columns = '{"id": {"type": "integer", "required": true}, "amount": {"type": "number"}, "date": {"type": "date"}, "status": {"pattern": "OPEN|CLOSED"}}';

  it('a file meeting header, count and column rules passes', async () => {
    assert.deepEqual(await run(csvCheck(csvRule({ requiredColumns: 'id, amount', columnCount: 4, columns })), good), []);
  });

  it('reports every failure with its row and column', async () => {
    const bad = 'id,amount,date,status\n1,12,5,2026-11-02,OPEN\nx,abc,2026-02-30,PENDING\n,1,2026-01-01,OPEN\n';
    const errors = await run(csvCheck(csvRule({ requiredColumns: 'id, amount, currency', columnCount: 4, columns })), bad);
    const reasons = errors.map((e) => e.reason);
    assert.ok(errors.every((e) => e.rule === 'csv'));
    assert.ok(reasons.includes('The header has no column "currency" (found: id, amount, date, status).'), reasons.join('\n'));
    assert.ok(reasons.includes('Row 2 has 5 columns, expected 4.'), reasons.join('\n'));
    assert.ok(reasons.includes('Row 3, column id: "x" is not a whole number.'), reasons.join('\n'));
    assert.ok(reasons.includes('Row 3, column amount: "abc" is not a number (with "." as decimal point).'), reasons.join('\n'));
    assert.ok(reasons.includes('Row 3, column date: "2026-02-30" is not a date (YYYY-MM-DD).'), reasons.join('\n'));
    assert.ok(reasons.includes('Row 3, column status: "PENDING" does not match OPEN|CLOSED.'), reasons.join('\n'));
    assert.ok(reasons.includes('Row 4, column id: the value is empty.'), reasons.join('\n'));
    assert.equal(errors.find((e) => e.value === '2026-02-30')?.row, 3);
    assert.equal(errors.find((e) => e.value === '2026-02-30')?.column, 'date');
  });

  it('stops after the row limit: a bad row past it is not read', async () => {
    const rows = ['n'];
    for (let i = 1; i <= 100; i++) rows.push(String(i));
    rows.push('not-a-number');
    const rule = { columns: '{"n": {"type": "integer"}}' };
    assert.deepEqual(await run(csvCheck(csvRule({ ...rule, maxRows: 100 })), rows.join('\n')), []);
    assert.equal((await run(csvCheck(csvRule({ ...rule, maxRows: 0 })), rows.join('\n'))).length, 1);
  });

  it('without a header, columns are checked by position; other delimiters', async () => {
    const rule = csvRule({ header: false, delimiter: ';', columnCount: 2, columns: '{"2": {"type": "boolean"}}' });
    assert.deepEqual(await run(rule && csvCheck(rule), 'a;yes\nb;0\n'), []);
    const errors = await run(csvCheck(rule), 'a;maybe\n');
    assert.equal(errors[0].reason, 'Row 1, column #2: "maybe" is not true/false, yes/no or 1/0.');
  });

  it('broken quoting and an empty file are reported, long error lists are capped', async () => {
    const quoted = await run(csvCheck(csvRule({})), 'a,b\n"unclosed,1\n');
    assert.match(quoted[0].reason, /not valid CSV/);
    assert.match((await run(csvCheck(csvRule({})), ''))[0].reason, /no header row/);
    const many = ['n', ...Array.from({ length: 50 }, () => 'x')].join('\n');
    const capped = await run(csvCheck(csvRule({ columns: '{"n": {"type": "integer"}}', maxErrors: 5 })), many);
    assert.equal(capped.length, 6);
    assert.match(capped[5].reason, /45 more csv error\(s\) not listed/);
  });

  it('a row longer than the row-size limit fails the rule with its row, and reading stops there', async () => {
    const errors = await run(csvCheck(csvRule({ maxRecordSize: '64 KB' })), `a,b\n1,2\n${'x'.repeat(70_000)},3\n4,5\n`, 4096);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].rule, 'csv');
    assert.equal(errors[0].row, 3);
    assert.match(errors[0].reason, /^Row 3 is longer than 65536 characters, the row-size limit/);
    assert.deepEqual(await run(csvCheck(csvRule({ maxRecordSize: '64 KB' })), `a,b\n${'x'.repeat(60_000)},3\n`, 4096), []);
    assert.equal(csvRule({}).maxRecordSize, 1024 * 1024, 'a sane default without a setting');
    assert.throws(() => csvRule({ maxRecordSize: '0' }), /CSV max row size must be at least 1 character/);
    assert.throws(() => csvRule({ maxRecordSize: 'lots' }), /CSV max row size "lots" is not a size/);
  });

  it('a one-line 300 MB CSV costs bounded memory (peak RSS of a process that checks it)', async function () {
    this.timeout(120_000);
    // A fresh process, so the peak resident size is this check's alone (maxRSS is in KB).
    const script = `
      const { csvCheck } = require(${JSON.stringify(require.resolve('../../../../src/core/validate/csv'))});
      const { parseRules } = require(${JSON.stringify(require.resolve('../../../../src/core/validate/rules'))});
      (async () => {
        const check = csvCheck(parseRules({ csv: {} }).csv);
        const chunk = Buffer.alloc(64 * 1024, 'x');
        for (let sent = 0; sent < 300 * 1024 * 1024; sent += chunk.length) await check.update(chunk);
        const errors = await check.finish();
        process.stdout.write(JSON.stringify({ errors, maxRssKb: process.resourceUsage().maxRSS }));
      })();
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { maxBuffer: 1024 * 1024 });
    const { errors, maxRssKb } = JSON.parse(stdout) as { errors: { reason: string }[]; maxRssKb: number };
    assert.equal(errors.length, 1);
    assert.match(errors[0].reason, /^Row 1 is longer than 1048576 characters/);
    assert.ok(maxRssKb < 200 * 1024, `peak RSS ${Math.round(maxRssKb / 1024)} MB`);
  });
});
