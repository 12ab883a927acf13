export * from './types';
export { parseRules, parseSize, parseExtensions, type RuleSet, type RuleSettings, type ChecksumRule } from './rules';
export { validateFile, type FileContext, type RemoteFiles, type ValidateOptions, type ValidationOutcome } from './validator';
export { poolFiles } from './remote-files';
export { parseSidecar } from './checksum';
export { parseManifest } from './manifest';
export { SIGNATURES, describeContent } from './magic-bytes';
export { SPOOL_PREFIX } from './spool';
export { ruleSettingsFromConfig, type ValidateConfigFields } from './validate-config';
