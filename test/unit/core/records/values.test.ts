import { strict as assert } from 'node:assert';
import { booleanWords, dateFormatProblem, readBoolean, readDate, readNumber, writeBoolean, writeDate, writeNumber } from '../../../../src/core/records/values';

const ok = <T>(value: T) => ({ ok: true, value });

describe('records: partner dates, numbers and yes/no words', () => {
  it('reads dates in the partner pattern into yyyy-MM-dd, or with the time when the pattern has one', () => {
    assert.deepEqual(readDate('02.11.2026', 'dd.MM.yyyy'), ok('2026-11-02'));
    assert.deepEqual(readDate(' 2.1.26 ', 'd.M.yy'), ok('2026-01-02'));
    assert.deepEqual(readDate('20261102', 'yyyyMMdd'), ok('2026-11-02'));
    assert.deepEqual(readDate('11/02/2026 23:59:58', 'MM/dd/yyyy HH:mm:ss'), ok('2026-11-02T23:59:58'));
    assert.deepEqual(readDate('2026-11-02T10:15', "yyyy-MM-dd'T'HH:mm"), ok('2026-11-02T10:15:00'));
    assert.deepEqual(readDate('2026-11-02T10:15:00+01:00', 'iso'), ok('2026-11-02T10:15:00+01:00'), 'ISO text is kept as written');
    assert.deepEqual(readDate('2026-11-02', ''), ok('2026-11-02'), 'an empty format is iso');
    for (const [text, format] of [
      ['29.02.2026', 'dd.MM.yyyy'],
      ['02.11.2026 24:00', 'dd.MM.yyyy HH:mm'],
      ['2026-11-02', 'dd.MM.yyyy'],
      ['02.11.2026x', 'dd.MM.yyyy'],
      ['20261102', 'iso'],
    ])
      assert.equal(readDate(text, format).ok, false, `${text} in ${format}`);
    assert.match((readDate('13.13.2026', 'dd.MM.yyyy') as { reason: string }).reason, /"13.13.2026" is not a date in the format dd.MM.yyyy/);
  });

  it('writes dates from ISO text, Dates and epoch milliseconds in the partner pattern (instants in UTC)', () => {
    assert.deepEqual(writeDate('2026-11-02', 'dd.MM.yyyy'), ok('02.11.2026'));
    assert.deepEqual(writeDate('2026-11-02T23:30:00Z', "d.M.yy 'um' HH:mm"), ok('2.11.26 um 23:30'));
    assert.deepEqual(writeDate(new Date('2026-11-02T10:15:00.250Z'), 'yyyyMMdd HHmmss.SSS'), ok('20261102 101500.250'));
    assert.deepEqual(writeDate(Date.UTC(2026, 10, 2), 'yyyy-MM-dd'), ok('2026-11-02'));
    assert.deepEqual(writeDate(new Date('2026-11-02T10:15:00Z'), 'iso'), ok('2026-11-02T10:15:00.000Z'));
    assert.equal(writeDate('next week', 'dd.MM.yyyy').ok, false);
  });

  it('checks date patterns', () => {
    assert.equal(dateFormatProblem('dd.MM.yyyy'), undefined);
    assert.equal(dateFormatProblem('iso'), undefined);
    assert.match(dateFormatProblem('MM.yyyy') ?? '', /needs a year \(yyyy\), a month \(MM\) and a day \(dd\)/);
    assert.match(dateFormatProblem("'dd'.MM.yyyy") ?? '', /needs/, 'quoted text is not a token');
  });

  it('reads numbers with the decimal separator, thousands only in groups of three', () => {
    assert.deepEqual(readNumber('1.234.567,5', ',', false), ok(1234567.5));
    assert.deepEqual(readNumber('-0,25', ',', false), ok(-0.25));
    assert.deepEqual(readNumber('1,234.5', '.', false), ok(1234.5));
    assert.deepEqual(readNumber('+1.5e3', '.', false), ok(1500));
    assert.deepEqual(readNumber(7, ',', true), ok(7));
    for (const [text, sep] of [
      ['1.5', ','],
      ['1,5', '.'],
      ['12,34.5', '.'],
      ['', '.'],
      ['1 000', '.'],
      ['NaN', '.'],
    ] as const)
      assert.equal(readNumber(text, sep, false).ok, false, `${text} with ${sep}`);
    assert.match((readNumber('2.5', '.', true) as { reason: string }).reason, /"2.5" is not a whole number/);
  });

  it('writes numbers with fixed decimals and the decimal separator, no thousands separator', () => {
    assert.deepEqual(writeNumber(1234.5, 2, ',', false), ok('1234,50'));
    assert.deepEqual(writeNumber('0.125', 2, '.', false), ok('0.13'));
    assert.deepEqual(writeNumber(0.1 + 0.2, undefined, '.', false), ok('0.30000000000000004'));
    assert.deepEqual(writeNumber(3, undefined, ',', true), ok('3'));
    assert.equal(writeNumber(3.5, undefined, '.', true).ok, false);
    assert.equal(writeNumber('abc', 2, '.', false).ok, false);
  });

  it("reads and writes yes/no in the partner's words, also taking the usual words", () => {
    const words = booleanWords('J/N')!;
    assert.deepEqual(words, ['J', 'N']);
    assert.deepEqual(readBoolean('J', words), ok(true));
    assert.deepEqual(readBoolean('nein', words), ok(false));
    assert.deepEqual(readBoolean('1', words), ok(true));
    assert.deepEqual(readBoolean(false, words), ok(false));
    assert.equal(readBoolean('vielleicht', words).ok, false);
    assert.deepEqual(writeBoolean(true, words), ok('J'));
    assert.deepEqual(writeBoolean('false', words), ok('N'));
    assert.deepEqual(booleanWords(''), ['true', 'false']);
    assert.equal(booleanWords('J'), undefined);
    assert.equal(booleanWords('J/J'), undefined);
  });
});
