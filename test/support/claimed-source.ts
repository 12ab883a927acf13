import type { SourceFacts } from '../../src/core/pipeline/source';

/** A claimed file as the watch describes it (in a subfolder, second attempt): for archive and quarantine path tests. */
export const SOURCE: SourceFacts = {
  server: 'srv',
  watch: 'w',
  protocol: 'sftp',
  host: 'h',
  port: 22,
  folder: '/inbox',
  path: '/inbox/sub/INV 7.pdf',
  relativePath: 'sub/INV 7.pdf',
  name: 'INV 7.pdf',
  claimPath: '/inbox/.filebridge/processing/sub/1-abcdef01-1~INV 7.pdf',
  size: 10,
  mtime: '2026-11-02T09:00:00.000Z',
  claimedAt: '2026-11-02T10:00:00.000Z',
  attempt: 2,
};
