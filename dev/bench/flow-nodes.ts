/**
 * The nodes the benchmark's flows share. The watch node: the fields the editor saves, at the values a bench flow
 * starts from (a 1 s poll, no stability wait, moved into the claim folder, SHA-256 and the ledger
 * on), with each flow's own fields over them.
 */
import type { FlowNodeJson } from './node-red-rig';

export function benchWatchNode(fields: { id: string; z: string; server: string; folder: string; wires: string[][] } & Record<string, unknown>): FlowNodeJson {
  return {
    type: 'filebridge-watch',
    intervalSeconds: 1,
    recursive: false,
    include: '',
    exclude: '',
    stability: 'age',
    stableSeconds: 0,
    minAgeSeconds: 0,
    emptyMinAgeSeconds: 60,
    claimFolder: '.filebridge/processing',
    take: 'move',
    leaseSeconds: 3600,
    order: 'name',
    maxPerPoll: 100,
    maxInFlight: 4,
    maxAttempts: 1,
    failedFolder: '.filebridge/failed',
    sha256: true,
    output: 'stream',
    maxBufferMB: 1,
    ledger: true,
    ledgerDays: 30,
    ...fields,
  };
}

/** A cs upload node adding a version on a name clash, with no metadata, under the flow's own fields. */
export function benchCsUploadNode(
  fields: { id: string; z: string; connection: string; folder: string; createFolders: boolean; wires: string[][] } & Record<string, unknown>,
): FlowNodeJson {
  return {
    type: 'filebridge-cs-upload',
    collision: 'add-version',
    categories: '',
    classification: '',
    holds: '',
    permissions: '',
    workflow: '',
    ...fields,
  };
}
