import { strict as assert } from 'node:assert';
import { buildReport, failureOf, quarantinePath } from '../../../../src/core/pipeline/quarantine-report';
import { SOURCE } from '../../../support/claimed-source';
import { NAME_244 } from '../../../support/long-names';

describe('pipeline: quarantine reports', () => {
  describe('archive and quarantine paths', () => {
    const at = new Date('2026-11-02T08:07:06.005Z');
    it('quarantine: timestamped name in the exception folder, relative folder kept', () => {
      assert.equal(quarantinePath('', SOURCE, at), '/inbox/.filebridge/failed/sub/20261102T080706-005Z_INV 7.pdf');
      assert.equal(quarantinePath('/inbox-errors', SOURCE, at), '/inbox-errors/sub/20261102T080706-005Z_INV 7.pdf');
    });
    it('quarantine paths stay inside the exception folder', () => {
      const refused = (change: Partial<typeof SOURCE>): void =>
        assert.throws(
          () => quarantinePath('', { ...SOURCE, ...change }, at),
          (err: Error & { code?: string }) => err.code === 'INVALID_INPUT',
          JSON.stringify(change),
        );
      refused({ relativePath: '../../../etc/x.pdf' });
      assert.equal(
        quarantinePath('', { ...SOURCE, relativePath: '/etc/x.pdf', name: 'x.pdf' }, at),
        '/inbox/.filebridge/failed/etc/20261102T080706-005Z_x.pdf',
      );
      refused({ name: 'a/../../../../x.pdf' });
      refused({ name: '..' });
      assert.equal(
        quarantinePath('', { ...SOURCE, name: 'a\\b.pdf', relativePath: 'a\\b.pdf' }, at),
        '/inbox/.filebridge/failed/20261102T080706-005Z_a\\b.pdf',
      );
    });
    it('quarantine: a long name is cut so that the file, a numbered twin and its report (written as a .part first) fit 255 bytes', () => {
      const path = quarantinePath('', { ...SOURCE, name: NAME_244, relativePath: `sub/${NAME_244}` }, at);
      const name = path.slice('/inbox/.filebridge/failed/sub/'.length);
      assert.match(name, /^20261102T080706-005Z_Rechnung Müller/);
      assert.ok(name.endsWith('.pdf'));
      const longest = `.${name.replace(/\.pdf$/, '_9999.pdf')}.error.json.0123abcd.part`;
      assert.ok(Buffer.byteLength(longest) <= 255, `${Buffer.byteLength(longest)} bytes`);
      assert.ok(Buffer.byteLength(longest) >= 250, 'as much of the name as fits');
    });
    it('report: error and failing node from a Catch message, or the validation errors', () => {
      const caught = failureOf(
        { message: 'FileBridgeError: refused', code: 'CS_REJECTED', source: { id: 'n1', type: 'filebridge-cs-upload', name: 'Upload', count: 1 } },
        undefined,
      );
      assert.deepEqual(caught, {
        message: 'refused',
        code: 'CS_REJECTED',
        failedNode: { id: 'n1', type: 'filebridge-cs-upload', name: 'Upload' },
        validation: undefined,
      });
      const invalid = failureOf(undefined, { valid: false, errors: [{ rule: 'extension', reason: 'exe not allowed' }] });
      assert.equal(invalid.code, 'VALIDATION');
      assert.match(invalid.message, /extension: exe not allowed/);
      const report = buildReport(SOURCE, invalid, '/q/x', at, true, 'corr');
      assert.equal(report.attempt, 2);
      assert.equal(report.time, at.toISOString());
      assert.deepEqual(report.validation, [{ rule: 'extension', reason: 'exe not allowed' }]);
      assert.equal(report.correlationId, 'corr');
    });
  });
});
