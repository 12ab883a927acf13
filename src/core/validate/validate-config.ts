import type { RuleSettings } from './rules';

/** The `filebridge-validate` editor's fields: one checkbox per rule and its fields as text. */
export interface ValidateConfigFields {
  nameOn?: boolean;
  namePattern?: string;
  nameIgnoreCase?: boolean;
  extOn?: boolean;
  extensions?: string;
  sizeOn?: boolean;
  minSize?: string;
  maxSize?: string;
  nonEmptyOn?: boolean;
  magicOn?: boolean;
  checksumOn?: boolean;
  checksumAlgorithm?: string;
  checksumSource?: string;
  csvOn?: boolean;
  csvExtensions?: string;
  csvDelimiter?: string;
  csvHeader?: boolean;
  csvRequired?: string;
  csvColumnCount?: string;
  csvColumns?: string;
  csvMaxRows?: string;
  csvMaxRecordSize?: string;
  jsonOn?: boolean;
  jsonExtensions?: string;
  jsonSchema?: string;
  jsonMaxSize?: string;
  xmlOn?: boolean;
  xmlExtensions?: string;
  manifestOn?: boolean;
  manifestSource?: string;
  manifestName?: string;
  manifestFormat?: string;
  manifestColumn?: string;
}

/** Turns the editor's flat fields into rule settings; `parseRules` then checks them. */
export function ruleSettingsFromConfig(n: ValidateConfigFields): RuleSettings {
  const s: RuleSettings = { nonEmpty: n.nonEmptyOn === true, magic: n.magicOn === true };
  if (n.nameOn) s.name = { pattern: n.namePattern ?? '', ignoreCase: n.nameIgnoreCase === true };
  if (n.extOn) s.extensions = { allowed: n.extensions ?? '' };
  if (n.sizeOn) s.size = { min: n.minSize, max: n.maxSize };
  if (n.checksumOn) s.checksum = { algorithm: n.checksumAlgorithm, source: n.checksumSource };
  if (n.csvOn) {
    s.csv = {
      extensions: n.csvExtensions,
      delimiter: n.csvDelimiter,
      header: n.csvHeader !== false,
      requiredColumns: n.csvRequired,
      columnCount: n.csvColumnCount,
      columns: n.csvColumns,
      maxRows: n.csvMaxRows,
      maxRecordSize: n.csvMaxRecordSize,
    };
  }
  if (n.jsonOn) s.json = { extensions: n.jsonExtensions, schema: n.jsonSchema ?? '', maxSize: n.jsonMaxSize };
  if (n.xmlOn) s.xml = { extensions: n.xmlExtensions };
  if (n.manifestOn) s.manifest = { source: n.manifestSource, fileName: n.manifestName, format: n.manifestFormat, column: n.manifestColumn };
  return s;
}
