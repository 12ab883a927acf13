import { strict as assert } from 'node:assert';
import { archivePath, fillTemplate, templateValues } from '../../../../src/core/pipeline/archive-path';
import { SOURCE } from '../../../support/claimed-source';

describe('pipeline: archive paths', () => {
  describe('archive and quarantine paths', () => {
    const at = new Date('2026-11-02T08:07:06.005Z');
    it('fill date/time and name tokens, below the watched folder unless absolute', () => {
      assert.equal(archivePath('.filebridge/archive/{yyyy}/{MM}/{dd}/{relativePath}', SOURCE, at), '/inbox/.filebridge/archive/2026/11/02/sub/INV 7.pdf');
      assert.equal(
        archivePath('/archive/{yyyy}{MM}{dd}/{relativeDir}/{base}_{HH}{mm}{ss}{SSS}.{ext}', SOURCE, at),
        '/archive/20261102/sub/INV 7_080706005.pdf',
      );
      assert.equal(archivePath('/done/{yyyy}/', SOURCE, at), '/done/2026/sub/INV 7.pdf', 'a trailing slash keeps the relative path');
      assert.equal(archivePath('', SOURCE, at), '/inbox/.filebridge/archive/2026/11/02/sub/INV 7.pdf', 'empty = default');
      assert.equal(fillTemplate('{correlationId}', templateValues(SOURCE, at, 'c-1')), 'c-1');
    });
    it('refuse unknown tokens and ".." naming what to use', () => {
      assert.throws(
        () => archivePath('/a/{yyy}/{name}', SOURCE, at),
        (err: Error & { code?: string }) => err.code === 'INVALID_INPUT' && /\{yyy\}.*\{yyyy\}/.test(err.message),
      );
      assert.throws(() => archivePath('/a/../{name}', SOURCE, at), /"\.\."/);
    });
    it("stay inside the template's fixed folder whatever the name or relative path holds", () => {
      const outside = (template: string, change: Partial<typeof SOURCE>): void =>
        assert.throws(
          () => archivePath(template, { ...SOURCE, ...change }, at),
          (err: Error & { code?: string }) => err.code === 'INVALID_INPUT' && /not inside its folder|"\.\."/.test(err.message),
          `${template} ${JSON.stringify(change)}`,
        );
      // A relative template never becomes absolute because a value starts with "/": it stays below the watched folder.
      assert.equal(archivePath('{relativePath}', { ...SOURCE, relativePath: '/etc/passwd' }, at), '/inbox/etc/passwd');
      assert.equal(archivePath('{relativeDir}/{name}', { ...SOURCE, relativePath: '/etc/x' }, at), '/inbox/etc/INV 7.pdf');
      outside('/archive/{relativePath}', { relativePath: '../etc/passwd' });
      outside('done/{name}', { name: '../../x' });
      assert.equal(archivePath('{relativePath}', SOURCE, at), '/inbox/sub/INV 7.pdf');
      assert.equal(archivePath('/archive/{name}', { ...SOURCE, name: 'a\\b.pdf' }, at), '/archive/a\\b.pdf', 'a backslash is part of a name');
    });
  });
});
