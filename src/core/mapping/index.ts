export {
  compileMapping,
  compileRegex,
  SOURCE_KINDS,
  TARGET_FIELDS,
  type CompiledMapping,
  type MappingSettings,
  type MappingRule,
  type SourceKind,
} from './rules';
export { buildTarget, mapMetadata, mappingError, mergeTarget, type JsonataEvaluator, type MappingDeps, type MappingOutcome, type MissingValue } from './map';
export { parseTable, remoteFilesFromPool, TableCache, type RemoteFiles, type TableSpec, type TableFormat, type TableFrom } from './tables';
export { VALUE_TYPES, type ValueType } from './convert';
export { formatDate, toDateParts } from './dates';
export { mappingSettingsFromConfig, sampleMessage, CONFIG_TABLE, type MappingConfigFields } from './mapping-config';
