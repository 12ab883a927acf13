import { strict as assert } from 'node:assert';
import jsonata from 'jsonata';
import { FileBridgeError } from '../../../../src/core/errors';
import { buildTarget, compileMapping, mapMetadata, type JsonataEvaluator, type MappingSettings, type MappingRule } from '../../../../src/core/mapping';

// Core cannot use Node-RED's evaluator; the jsonata package is the same engine the node gets from Node-RED.
const evaluate: JsonataEvaluator = (expression, msg) => jsonata(expression).evaluate(msg) as Promise<unknown>;
const NOW = new Date('2026-11-02T23:30:00.000Z');

function message(name = 'INV_ACME_2026-11-02_0042.pdf', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    filename: name,
    topic: 'partner-drop',
    filebridge: {
      correlationId: 'c-1',
      source: {
        server: 'srv',
        protocol: 'sftp',
        host: 'sftp.example',
        port: 22,
        folder: '/inbox',
        path: `/inbox/ACME/2026/${name}`,
        relativePath: `ACME/2026/${name}`,
        name,
        size: 1234,
        mtime: '2026-11-02T23:30:00.000Z',
      },
      fields: { vendor: 'ACME', amount: '12,50', date: '2026-11-02' },
      ...extra,
    },
  };
}

async function map(rules: MappingRule[], msg = message(), config: Partial<MappingSettings> = {}): Promise<Record<string, unknown>> {
  const { target } = await buildTarget(compileMapping({ rules, ...config }), msg, { jsonata: evaluate, now: () => NOW });
  return target;
}

async function mappingFailure(rules: MappingRule[], msg = message(), config: Partial<MappingSettings> = {}): Promise<FileBridgeError> {
  try {
    await map(rules, msg, config);
  } catch (err) {
    assert.ok(err instanceof FileBridgeError, String(err));
    return err;
  }
  assert.fail('expected a MAPPING error');
}

function configError(config: MappingSettings, text: RegExp): void {
  assert.throws(
    () => compileMapping(config),
    (err: unknown) => err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && text.test(err.message),
  );
}

describe('map-metadata core: source kinds', () => {
  it('document takes the node id a returned file carries in its name, and a name without one fails with MAPPING', async () => {
    const rule: MappingRule = { field: 'document', kind: 'pattern', value: '\\(CS-(\\d+)\\)', option: '1', type: 'number', required: true };
    assert.deepEqual(await map([rule], message('Contract ACME (CS-48213)_signed.pdf')), { document: 48213 });
    const failure = await mappingFailure([rule], message('Contract ACME_signed.pdf'));
    assert.equal(failure.code, 'MAPPING');
    assert.match(failure.message, /document/);
  });

  it('constant, field and msg property values land at their target paths', async () => {
    const target = await map([
      { field: 'collision', kind: 'constant', value: 'add-version' },
      { field: 'categories.Invoice.Vendor', kind: 'field', value: 'vendor' },
      { field: 'description', kind: 'msg', value: 'filebridge.source.host' },
      { field: 'workflow.comment', kind: 'msg', value: 'msg.topic' },
    ]);
    assert.deepEqual(target, {
      collision: 'add-version',
      categories: { Invoice: { Vendor: 'ACME' } },
      description: 'sftp.example',
      workflow: { comment: 'partner-drop' },
    });
  });

  it('pattern: a regex on the file name, taking the only named group or the one named in the option', async () => {
    const target = await map([
      { field: 'categories.Invoice.Number', kind: 'pattern', value: '_(?<no>\\d+)\\.pdf$' },
      { field: 'categories.Invoice.Vendor', kind: 'pattern', value: '/^inv_(?<vendor>[a-z]+)_(?<date>[\\d-]+)/i', option: 'vendor' },
      { field: 'name', kind: 'pattern', value: '^(.*)\\.pdf$', option: '1' },
    ]);
    assert.deepEqual(target, { categories: { Invoice: { Number: '0042', Vendor: 'ACME' } }, name: 'INV_ACME_2026-11-02_0042' });
  });

  it('the node name pattern adds its groups to the fields for every rule', async () => {
    const mapping = compileMapping({
      namePattern: '^(?<doc>[A-Z]+)_(?<partner>[A-Z]+)_(?<day>\\d{4}-\\d{2}-\\d{2})',
      rules: [{ field: 'folder', kind: 'template', value: 'Partners/{fields.partner}/{fields.doc}' }],
    });
    const outcome = await mapMetadata(mapping, message('RPT_GLOBEX_2026-01-31.csv'));
    assert.deepEqual(outcome.target, { folder: 'Partners/GLOBEX/RPT' });
    assert.equal(outcome.fields.day, '2026-01-31');
    assert.equal(outcome.fields.vendor, 'ACME', 'fields from validate are kept');
    const failed = await mapMetadata(mapping, message('readme.txt'));
    assert.deepEqual(
      failed.missing.map((m) => m.field),
      ['name pattern'],
    );
    assert.match(failed.missing[0].reason, /readme\.txt.*does not match/);
  });

  it('path segments of the relative path: first, last, all and slices', async () => {
    const msg = message('x.pdf');
    (msg.filebridge as { source: Record<string, unknown> }).source.relativePath = 'legacy/finance/2019/x.pdf';
    const target = await map(
      [
        { field: 'workspace.name', kind: 'path', value: '0' },
        { field: 'categories.Legacy.Year', kind: 'path', value: '-1', type: 'number' },
        { field: 'folder', kind: 'path', value: '*' },
        { field: 'description', kind: 'path', value: '1:' },
      ],
      msg,
    );
    assert.deepEqual(target, {
      workspace: { name: 'legacy' },
      categories: { Legacy: { Year: 2019 } },
      folder: 'legacy/finance/2019',
      description: 'finance/2019',
    });
    // The watched folder's own segments (a partner's folder) come from the full original path.
    const partner = message('x.pdf', { source: { path: '/partners/ACME/inbox/2019/x.pdf', relativePath: '2019/x.pdf', name: 'x.pdf' } });
    const full = await map(
      [
        { field: 'workspace.name', kind: 'path', value: '1', option: 'full' },
        { field: 'folder', kind: 'template', value: '{fullpath:0:2}/{path:0}' },
      ],
      partner,
    );
    assert.deepEqual(full, { workspace: { name: 'ACME' }, folder: 'partners/ACME/2019' });
    const err = await mappingFailure(
      [{ field: 'folder', kind: 'path', value: '0', required: true }],
      message('top.pdf', { source: { relativePath: 'top.pdf', name: 'top.pdf' } }),
    );
    assert.match(err.message, /folder \(the file's path has no folder 0/);
  });

  it('jsonata expressions run through the injected evaluator against the message', async () => {
    const target = await map([
      { field: 'name', kind: 'jsonata', value: '$uppercase(filebridge.fields.vendor) & "-" & $string(filebridge.source.size)' },
      { field: 'categories.Invoice.Lines', kind: 'jsonata', value: '[1,2,3]' },
    ]);
    assert.deepEqual(target, { name: 'ACME-1234', categories: { Invoice: { Lines: [1, 2, 3] } } });
    const err = await mappingFailure([{ field: 'name', kind: 'jsonata', value: 'filebridge.nothing', required: true }]);
    assert.match(err.message, /name \(the JSONata expression filebridge\.nothing gave no result\)/);
  });

  it('dates: a calendar date from the name is never shifted; now and mtime follow the time zone', async () => {
    const target = await map(
      [
        { field: 'categories.Invoice.Date', kind: 'date', value: 'fields.date', option: 'dd.MM.yyyy' },
        { field: 'categories.Transfer.Received', kind: 'date', value: 'mtime', option: "yyyy-MM-dd'T'HH:mm" },
        { field: 'description', kind: 'date', value: 'now', option: 'yyyy/MM/dd HH:mm:ss Q' },
        { field: 'workflow.comment', kind: 'date', value: 'fields.date' },
      ],
      message(),
      { timeZone: 'Europe/Berlin' },
    );
    assert.deepEqual(target, {
      categories: { Invoice: { Date: '02.11.2026' }, Transfer: { Received: '2026-11-03T00:30' } },
      description: '2026/11/03 00:30:00 4',
      workflow: { comment: '2026-11-02' },
    });
    const ny = await map(
      [
        { field: 'name', kind: 'date', value: 'fields.date', option: 'yyyyMMdd' },
        { field: 'description', kind: 'date', value: 'mtime', option: 'yyyy-MM-dd HH' },
      ],
      message(),
      { timeZone: 'America/New_York' },
    );
    assert.deepEqual(ny, { name: '20261102', description: '2026-11-02 18' });
    const err = await mappingFailure([{ field: 'name', kind: 'date', value: 'fields.vendor', option: 'yyyy', required: true }]);
    assert.match(err.message, /"ACME" \(fields\.vendor\) is not a date/);
  });

  it('templates combine fields, dates, name parts, path segments and earlier results', async () => {
    const target = await map([
      { field: 'folder', kind: 'template', value: 'Partners/{fields.vendor}/{fields.date:yyyy}/{now:MM}' },
      { field: 'name', kind: 'template', value: '{base}-{source.size}.{ext}' },
      { field: 'description', kind: 'template', value: 'from {path:0} into {target.folder} {{literal}}' },
    ]);
    assert.deepEqual(target, {
      folder: 'Partners/ACME/2026/11',
      name: 'INV_ACME_2026-11-02_0042-1234.pdf',
      description: 'from ACME into Partners/ACME/2026/11 {literal}',
    });
    const err = await mappingFailure([{ field: 'folder', kind: 'template', value: 'Partners/{fields.partner}', required: true }]);
    assert.match(err.message, /folder \(no field "partner" \(fields: vendor, amount, date\)\)/);
  });
  it('transfer history from the source facts (sftp-cs-03): host, path, size, checksum and time', async () => {
    const msg = message('TX_20261102.csv');
    (msg.filebridge as { source: Record<string, unknown> }).source.sha256 = 'ab'.repeat(32);
    const target = await map(
      [
        { field: 'folder', kind: 'template', value: 'Records/{fields.date:yyyy}/{fields.date:MM-dd}' },
        { field: 'categories.Transfer.Source', kind: 'template', value: '{source.protocol}://{source.host}:{source.port}{source.path}' },
        { field: 'categories.Transfer.Size', kind: 'msg', value: 'filebridge.source.size', type: 'number' },
        { field: 'categories.Transfer.SHA256', kind: 'template', value: '{source.sha256}', required: true },
        { field: 'categories.Transfer.Received', kind: 'template', value: 'received {mtime} ({now})' },
      ],
      msg,
      { timeZone: 'Europe/Berlin' },
    );
    assert.deepEqual(target, {
      folder: 'Records/2026/11-02',
      categories: {
        Transfer: {
          Source: 'sftp://sftp.example:22/inbox/ACME/2026/TX_20261102.csv',
          Size: 1234,
          SHA256: 'ab'.repeat(32),
          Received: 'received 2026-11-03T00:30:00 (2026-11-03T00:30:00)',
        },
      },
    });
  });
});

describe('map-metadata core: types, required, defaults, merge', () => {
  it('converts to number, boolean, date and list, and lists holds and permissions automatically', async () => {
    const target = await map([
      { field: 'categories.Invoice.Amount', kind: 'field', value: 'amount', type: 'number' },
      { field: 'categories.Invoice.Paid', kind: 'constant', value: 'yes', type: 'boolean' },
      { field: 'categories.Invoice.Date', kind: 'constant', value: '20261102', type: 'date' },
      { field: 'categories.Invoice.Tags', kind: 'constant', value: 'a, b;c', type: 'list' },
      { field: 'classification', kind: 'constant', value: '5120', type: 'number' },
      { field: 'holds', kind: 'constant', value: 'Litigation 2026, Audit' },
      { field: 'permissions.Partners', kind: 'constant', value: 'see,see_contents' },
      { field: 'workspace.type', kind: 'constant', value: '1', type: 'string' },
    ]);
    assert.deepEqual(target, {
      categories: { Invoice: { Amount: 12.5, Paid: true, Date: '2026-11-02', Tags: ['a', 'b', 'c'] } },
      classification: 5120,
      holds: ['Litigation 2026', 'Audit'],
      permissions: { Partners: ['see', 'see_contents'] },
      workspace: { type: '1' },
    });
  });

  it('a value of the wrong type is a MAPPING error even when not required', async () => {
    const err = await mappingFailure([{ field: 'categories.Invoice.Amount', kind: 'field', value: 'vendor', type: 'number' }]);
    assert.equal(err.code, 'MAPPING');
    assert.deepEqual(err.details.fields, ['categories.Invoice.Amount']);
    assert.match(err.message, /"ACME" is not a number/);
    const policy = await mappingFailure([{ field: 'collision', kind: 'field', value: 'vendor' }]);
    assert.match(policy.message, /collision \("ACME" is not a collision policy \(add-version, skip-identical, rename, fail\)\)/);
  });

  it('a missing optional value is left out; a default (which may be a template) fills the gap', async () => {
    const target = await map([
      { field: 'description', kind: 'field', value: 'note' },
      { field: 'folder', kind: 'field', value: 'folder', default: 'Unsorted/{now:yyyy}', required: true },
      { field: 'classification', kind: 'field', value: 'class', default: 'Finance/Invoices' },
    ]);
    assert.deepEqual(target, { folder: 'Unsorted/2026', classification: 'Finance/Invoices' });
  });

  it('every missing required value is named in one MAPPING error', async () => {
    const err = await mappingFailure([
      { field: 'folder', kind: 'field', value: 'partner', required: true },
      { field: 'name', kind: 'constant', value: 'ok', required: true },
      { field: 'categories.Invoice.Vendor', kind: 'pattern', value: '^ORDER_(?<v>\\w+)', required: true },
      { field: 'description', kind: 'msg', value: 'payload', required: true },
    ]);
    assert.equal(err.code, 'MAPPING');
    assert.deepEqual(err.details.fields, ['folder', 'categories.Invoice.Vendor', 'description']);
    assert.match(err.message, /categories\.Invoice\.Vendor \(the file name "INV_ACME_2026-11-02_0042\.pdf" does not match/);
    assert.match(err.message, /description \(msg\.payload is not set\)/);
  });

  it('merges into an existing target: rule values win, categories combine', async () => {
    const msg = message('a.pdf', {
      target: { folder: 'Old', collision: 'rename', categories: { Invoice: { Status: 'Draft', Vendor: 'X' }, Other: { A: 1 } } },
    });
    const target = await map(
      [
        { field: 'folder', kind: 'constant', value: 'New' },
        { field: 'categories.Invoice.Vendor', kind: 'field', value: 'vendor' },
      ],
      msg,
    );
    assert.deepEqual(target, { folder: 'New', collision: 'rename', categories: { Invoice: { Status: 'Draft', Vendor: 'ACME' }, Other: { A: 1 } } });
  });

  it('refuses broken configurations at compile time, naming the rule', () => {
    configError({ rules: [{ field: 'foldr', kind: 'constant', value: 'x' }] }, /Rule 1 \(foldr\).*"foldr" is not a target field/);
    configError({ rules: [{ field: 'name', kind: 'pattern', value: '([a-' }] }, /Rule 1 \(name\).*not a valid regular expression/);
    configError({ rules: [{ field: 'name', kind: 'pattern', value: '(?<a>x)(?<b>y)' }] }, /several groups \(a, b\)/);
    configError({ rules: [{ field: 'name', kind: 'template', value: '{partner}' }] }, /Unknown reference "\{partner\}"/);
    configError({ rules: [{ field: 'name', kind: 'lookup', value: 'fields.vendor' }] }, /needs a lookup table/);
    configError({ rules: [], timeZone: 'Mars/Olympus' }, /Unknown time zone/);
    configError({ rules: [{ field: 'categories..Vendor', kind: 'constant', value: 'x' }] }, /empty name/);
  });
});

describe('map-metadata core: lookups in inline and message tables', () => {
  const csv = 'partner;workspace;boId;class\nACME;Acme Corp;4711;Finance/Invoices\nGLOBEX;Globex;4712;5120\n';

  it('looks a key up in a CSV manifest (delimiter detected) and fills several fields', async () => {
    const tables = [{ name: 'partners', from: 'inline' as const, value: csv, key: 'partner' }];
    const target = await map(
      [
        { field: 'workspace.businessObject.boId', kind: 'lookup', value: 'fields.vendor', option: 'boId' },
        { field: 'workspace.name', kind: 'lookup', value: '{fields.vendor}', option: 'partners.workspace' },
        { field: 'classification', kind: 'lookup', value: 'fields.vendor', option: 'class' },
      ],
      message(),
      { tables },
    );
    assert.deepEqual(target, { workspace: { businessObject: { boId: '4711' }, name: 'Acme Corp' }, classification: 'Finance/Invoices' });
    const err = await mappingFailure(
      [{ field: 'workspace.name', kind: 'lookup', value: 'fields.vendor', option: 'workspace', required: true }],
      message('x.pdf', { fields: { vendor: 'INITECH' } }),
      { tables },
    );
    assert.match(err.message, /workspace\.name \(no row with key "INITECH" in the lookup table "partners"\)/);
  });

  it('JSON tables: a list of objects, an object keyed by id, or a side-car record taken from the message', async () => {
    const list = [{ id: 'ACME', meta: { region: 'EMEA' } }];
    const keyed = { ACME: { owner: 'Finance' } };
    const msg = message('a.pdf', { manifest: list });
    (msg as Record<string, unknown>).keyed = JSON.stringify(keyed);
    (msg as Record<string, unknown>).sidecar = Buffer.from('{"title": "Q3 report", "period": "2026-Q3"}');
    const target = await map(
      [
        { field: 'categories.Partner.Region', kind: 'lookup', value: 'fields.vendor', option: 'list.meta.region' },
        { field: 'categories.Partner.Owner', kind: 'lookup', value: 'fields.vendor', option: 'keyed.owner' },
        { field: 'description', kind: 'lookup', value: '', option: 'sidecar.title' },
        { field: 'categories.Report.Period', kind: 'lookup', value: '', option: 'sidecar.period' },
      ],
      msg,
      {
        tables: [
          { name: 'list', from: 'msg', value: 'filebridge.manifest', key: 'id' },
          { name: 'keyed', from: 'msg', value: 'keyed', key: 'id', format: 'json' },
          { name: 'sidecar', from: 'msg', value: 'msg.sidecar' },
        ],
      },
    );
    assert.deepEqual(target, { categories: { Partner: { Region: 'EMEA', Owner: 'Finance' }, Report: { Period: '2026-Q3' } }, description: 'Q3 report' });
  });

  it('a broken manifest or a wrong key column is reported as MAPPING with the parser reason', async () => {
    const rules: MappingRule[] = [{ field: 'name', kind: 'lookup', value: 'fields.vendor', option: 'x', required: true }];
    let err = await mappingFailure(rules, message(), { tables: [{ name: 't', from: 'inline', value: '[{"id": 1', format: 'json', key: 'id' }] });
    assert.match(err.message, /name \(The lookup table "t" could not be read as JSON/);
    err = await mappingFailure(rules, message(), { tables: [{ name: 't', from: 'inline', value: 'a,b\n1,2\n', key: 'partner' }] });
    assert.match(err.message, /has no column "partner": its columns are a, b/);
  });
});
