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

/** `msg.filebridge.source` of a watched file `name` of `size` bytes at its `attempt`-th delivery (cs upload tests). */
export function watchedSource(name: string, size: number, attempt = 1, mtime = '2026-11-02T10:00:00.000Z'): Record<string, unknown> {
  return {
    server: 'srv',
    watch: 'w1',
    protocol: 'sftp',
    host: 'sftp.partner.example',
    port: 22,
    folder: '/inbox',
    path: `/inbox/${name}`,
    relativePath: name,
    name,
    claimPath: `/inbox/.filebridge/processing/${1762077600000 + attempt}-0000000${attempt}-${attempt}~${name}`,
    size,
    mtime,
    claimedAt: new Date().toISOString(),
    attempt,
  };
}
