/** The remote node's dialog fields and the operation options they make. */
import { CONFLICT_POLICIES, type ConflictPolicy } from './operations';
import type { GetOutput, RemoteOperation, RemoteRequest } from './remote-request';

export interface RemoteConfigFields {
  operation?: RemoteOperation;
  path?: string;
  pathType?: string;
  destination?: string;
  destinationType?: string;
  glob?: string;
  recursive?: boolean;
  maxDepth?: string | number;
  includeFolders?: boolean;
  includeDotFiles?: boolean;
  output?: GetOutput;
  maxBufferMB?: string | number;
  conflict?: ConflictPolicy;
  createFolders?: boolean;
  atomic?: boolean;
  verifySize?: boolean;
  doneSuffix?: string;
  keepMtime?: boolean;
  overwrite?: boolean;
  missingOk?: boolean;
  deleteFolders?: boolean;
}

/** What every operation of the node is set to do, whatever path and operation a message names. */
export type RemoteOptions = Pick<RemoteRequest, 'list' | 'get' | 'put' | 'move' | 'delete'>;

export function remoteOptionsFromConfig(f: RemoteConfigFields): RemoteOptions {
  const maxDepth = f.maxDepth === '' || f.maxDepth === undefined ? undefined : Number(f.maxDepth);
  return {
    list: {
      glob: f.glob || undefined,
      recursive: Boolean(f.recursive),
      maxDepth,
      includeFolders: Boolean(f.includeFolders),
      includeDotFiles: Boolean(f.includeDotFiles),
    },
    get: { output: f.output || 'auto', maxBufferBytes: Math.round((Number(f.maxBufferMB) || 16) * 1024 * 1024) },
    put: {
      conflict: f.conflict && CONFLICT_POLICIES.includes(f.conflict) ? f.conflict : 'fail',
      createFolders: f.createFolders !== false,
      atomic: f.atomic !== false,
      verifySize: f.verifySize !== false,
      doneSuffix: f.doneSuffix || '',
      keepMtime: f.keepMtime !== false,
    },
    move: { overwrite: Boolean(f.overwrite), createFolders: f.createFolders !== false },
    delete: { missingOk: Boolean(f.missingOk), folders: Boolean(f.deleteFolders) },
  };
}
