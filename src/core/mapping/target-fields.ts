/**
 * Top-level fields of the target contract (see cs-upload); anything else is a typo. Its own module
 * with no imports, so the map-metadata editor (bundled for the browser) offers exactly these.
 */
export const TARGET_FIELDS = [
  'folder',
  'name',
  'document',
  'collision',
  'description',
  'categories',
  'classification',
  'holds',
  'permissions',
  'owner',
  'workspace',
  'workflow',
] as const;
