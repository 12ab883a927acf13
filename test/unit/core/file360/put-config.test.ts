/** file360 put's dialog fields turned into settings, and its folder template filled in: every error names what to fix. */
import assert from 'node:assert/strict';
import { FileBridgeError } from '../../../../src/core/errors';
import { checkFolderTemplate, fillFolderTemplate } from '../../../../src/core/file360/folder-template';
import { f360PutSettingsFromConfig } from '../../../../src/core/file360/put-config';

const invalid = (part: RegExp) => (e: unknown) => e instanceof FileBridgeError && e.code === 'INVALID_INPUT' && part.test(e.message);

describe('file360 put: settings from the dialog', () => {
  it('defaults: root folder, create folders, fail on collision, no shares, details recorded in "Transfer details"', () => {
    assert.deepEqual(f360PutSettingsFromConfig({}), {
      folder: '',
      createFolders: true,
      collision: 'fail',
      shares: [],
      details: 'record',
      detailsFolder: 'Transfer details',
    });
  });

  it('takes every field as the dialog saves it', () => {
    const s = f360PutSettingsFromConfig({
      folder: ' Suppliers/{fields.supplier}/{yyyy} ',
      createFolders: false,
      collision: 'rename',
      shares: [
        { kind: 'group', name: ' Supplier ACME ', role: 'viewer' },
        { kind: 'user', name: 'ada.auditor@example.com', role: 'editor' },
      ],
      details: 'none',
      detailsFolder: '/Provenance/Log/',
    });
    assert.deepEqual(s, {
      folder: 'Suppliers/{fields.supplier}/{yyyy}',
      createFolders: false,
      collision: 'rename',
      shares: [
        { kind: 'group', name: 'Supplier ACME', role: 'viewer' },
        { kind: 'user', name: 'ada.auditor@example.com', role: 'editor' },
      ],
      details: 'none',
      detailsFolder: 'Provenance/Log',
    });
  });

  it('refuses what an imported flow could hold, naming the field', () => {
    assert.throws(() => f360PutSettingsFromConfig({ collision: 'add-version' }), invalid(/If it exists.*fail, overwrite, rename/));
    assert.throws(() => f360PutSettingsFromConfig({ details: 'metadata' }), invalid(/Transfer details.*none, record/));
    assert.throws(() => f360PutSettingsFromConfig({ createFolders: 'yes' }), invalid(/Create missing folders/));
    assert.throws(() => f360PutSettingsFromConfig({ shares: 'Auditors' }), invalid(/Share: expected a list/));
    assert.throws(() => f360PutSettingsFromConfig({ shares: [{ kind: 'team', name: 'x', role: 'viewer' }] }), invalid(/Share row 1.*"group" or a "user"/));
    assert.throws(() => f360PutSettingsFromConfig({ shares: [{ kind: 'group', name: ' ', role: 'viewer' }] }), invalid(/Share row 1: name the group/));
    assert.throws(() => f360PutSettingsFromConfig({ shares: [{ kind: 'user', name: 'a@b.c', role: 'admin' }] }), invalid(/Share row 1.*viewer, editor, owner/));
    assert.throws(
      () =>
        f360PutSettingsFromConfig({
          shares: [
            { kind: 'user', name: 'A@b.c', role: 'viewer' },
            { kind: 'user', name: 'a@B.c', role: 'editor' },
          ],
        }),
      invalid(/Share row 2: the user "a@B.c" is listed twice/),
    );
    assert.throws(() => f360PutSettingsFromConfig({ detailsFolder: 'a/../b' }), invalid(/Details folder/));
    assert.throws(() => f360PutSettingsFromConfig({ folder: 42 }), invalid(/Folder: expected a folder path/));
  });

  it('checks the folder template at deploy: unknown tokens named with the known ones, stray braces, . and ..', () => {
    assert.throws(() => f360PutSettingsFromConfig({ folder: 'Suppliers/{yyy}' }), invalid(/unknown token \{yyy\}.*\{yyyy\}.*\{fields\.<name>\}/));
    assert.throws(() => checkFolderTemplate('In/{fields.}'), invalid(/unknown token \{fields\.\}/));
    assert.throws(() => checkFolderTemplate('In/{yyyy'), invalid(/opens or closes no token/));
    assert.throws(() => checkFolderTemplate('In/../Out'), invalid(/not a folder path/));
    checkFolderTemplate('Suppliers/{fields.supplier name}/{yyyy}-{MM}/{relativeDir}');
  });
});

describe('file360 put: folder template', () => {
  const at = new Date('2026-03-04T05:06:07.089Z');

  it('fills times (UTC), name parts, the relative folder and fields; empty parts drop out', () => {
    const path = fillFolderTemplate('/Suppliers/{fields.supplier}/{yyyy}/{MM}-{dd}T{HH}{mm}{ss}/{ext}/{base}/{relativeDir}/', {
      name: 'INV_0042.pdf',
      relativePath: 'eu/de/INV_0042.pdf',
      fields: { supplier: 'ACME', unused: 1 },
      at,
    });
    assert.equal(path, 'Suppliers/ACME/2026/03-04T050607/pdf/INV_0042/eu/de');
    assert.equal(fillFolderTemplate('', { name: 'a.txt', at }), '');
    assert.equal(fillFolderTemplate('{fields.n}/{correlationId}', { name: 'a.txt', fields: { n: 7 }, correlationId: 'c-1', at }), '7/c-1');
  });

  it('a missing or empty field is INVALID_INPUT naming it and what sets it', () => {
    assert.throws(() => fillFolderTemplate('S/{fields.supplier}', { name: 'a', fields: {}, at }), invalid(/needs msg\.filebridge\.fields\.supplier.*has none/));
    assert.throws(() => fillFolderTemplate('S/{fields.supplier}', { name: 'a', at }), invalid(/fields\.supplier/));
    assert.throws(() => fillFolderTemplate('S/{fields.supplier}', { name: 'a', fields: { supplier: '' }, at }), invalid(/has it empty/));
    assert.throws(() => fillFolderTemplate('S/{fields.x}', { name: 'a', fields: { x: { y: 1 } }, at }), invalid(/not text or a number/));
  });

  it('a value from the message cannot add folder levels or climb: / \\ . and .. are refused', () => {
    assert.throws(() => fillFolderTemplate('S/{fields.s}', { name: 'a', fields: { s: 'ACME/../../x' }, at }), invalid(/not one folder name/));
    assert.throws(() => fillFolderTemplate('S/{fields.s}', { name: 'a', fields: { s: 'a\\b' }, at }), invalid(/not one folder name/));
    assert.throws(() => fillFolderTemplate('S/{fields.s}', { name: 'a', fields: { s: '..' }, at }), invalid(/not a folder path/));
    assert.throws(() => fillFolderTemplate('S/{yyy}', { name: 'a', at }), invalid(/unknown token/));
  });
});
