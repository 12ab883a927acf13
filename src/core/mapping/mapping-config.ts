import { FileBridgeError } from '../errors';
import type { MappingSettings, MappingRule } from './rules';
import type { TableFormat, TableFrom } from './tables';

/** The node's editor fields, as saved in the flow (and posted by the preview button). */
export interface MappingConfigFields {
  rules?: unknown;
  namePattern?: string;
  timeZone?: string;
  tableFrom?: 'none' | TableFrom;
  tableValue?: string;
  tableFormat?: TableFormat;
  tableKey?: string;
}

/** The editor offers one lookup table; rules name its columns directly. */
export const CONFIG_TABLE = 'table';

export function mappingSettingsFromConfig(def: MappingConfigFields): MappingSettings {
  if (def.rules !== undefined && !Array.isArray(def.rules)) {
    throw new FileBridgeError('INVALID_INPUT', 'The mapping rules must be a list of "target field <- source" rows.');
  }
  const rules = ((def.rules ?? []) as Partial<MappingRule>[]).map((r) => ({
    field: String(r.field ?? ''),
    kind: r.kind as MappingRule['kind'],
    value: String(r.value ?? ''),
    option: r.option === undefined ? undefined : String(r.option),
    type: r.type,
    required: Boolean(r.required),
    default: r.default === undefined ? undefined : String(r.default),
  }));
  const from = def.tableFrom && def.tableFrom !== 'none' ? def.tableFrom : undefined;
  return {
    rules,
    namePattern: def.namePattern || undefined,
    timeZone: def.timeZone || undefined,
    tables: from ? [{ name: CONFIG_TABLE, from, value: def.tableValue ?? '', format: def.tableFormat || 'auto', key: def.tableKey ?? '' }] : [],
  };
}

/** A message standing in for a real file in the editor's preview: `ACME/2026/INV_1.pdf` or just a name. */
export function sampleMessage(sample: string, fields: unknown, now: Date): Record<string, unknown> {
  const relativePath = sample.trim().replace(/^\/+/, '');
  const name = relativePath.split('/').pop() ?? '';
  if (!name)
    throw new FileBridgeError('INVALID_INPUT', 'Enter a sample file name to preview, e.g. INV_ACME_2026-11-02.pdf or ACME/2026/INV_ACME_2026-11-02.pdf.');
  let parsed: unknown = fields;
  if (typeof fields === 'string') {
    try {
      parsed = fields.trim() ? (JSON.parse(fields) as unknown) : {};
    } catch {
      throw new FileBridgeError('INVALID_INPUT', 'The sample fields must be a JSON object such as {"vendor": "ACME"}.');
    }
  }
  return {
    filename: name,
    filebridge: {
      correlationId: 'preview',
      source: { folder: '/', path: `/${relativePath}`, relativePath, name, size: 0, mtime: now.toISOString(), attempt: 1 },
      fields: parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {},
    },
  };
}
