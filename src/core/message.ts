/**
 * The message contract: what travels in `msg.filebridge` from node to node. Every node reads and
 * writes it through these types, and the README's message section is generated from
 * `MESSAGE_CONTRACT` (a test compares them), so the code, the docs and the nodes name the same keys.
 *
 * What a node writes is typed (`FileBridgeFacts`). What a node receives is not trusted: any node of
 * the user's flow may have changed it, so `ReceivedFileBridge` types every key as `unknown` and the
 * reader checks it (`sourceFactsOf`, `parseGovernanceTarget`...).
 */
import type { ExportRequest } from './content-server/export-request';
import type { ExportedFacts } from './content-server/export-run';
import type { CsActionOutcome } from './content-server/action-request';
import type { UploadOutcome } from './content-server/upload-request';
import type { F360PutOutcome } from './file360/put';
import type { RestFacts } from './rest/request-run';
import type { AuditRecord } from './pipeline/audit';
import type { QuarantineReport } from './pipeline/quarantine-report';
import type { SourceFacts } from './pipeline/source';
import type { PutResult } from './remote/operations';
import type { EntryFacts } from './remote/remote-request';
import type { ValidationResult } from './validate/types';

/** Every remote operation's facts name the server config node's label (`sftp://host:22`). */
type OnServer<T> = T & { server: string };

/** `msg.filebridge.export` as cs-export writes it on each document message. */
export interface ExportDeliveryFacts {
  runId: string;
  mode: ExportRequest['mode'];
  /** 1-based position in the run, and how many documents the run sends. */
  index: number;
  count: number;
  /** On cs-export's report (to Catch nodes) of a document it skipped because the flow refused it for good. */
  skipped?: true;
}

/** `msg.filebridge.export` on cs-export's run report (second output). */
export interface ExportReportFacts {
  runId: string;
  mode: ExportRequest['mode'];
  folder?: string | number;
  id?: number | string;
}

/** `msg.filebridge.quarantine`: where the file and its report went. */
export interface QuarantineNotice {
  path: string;
  reportPath: string;
  report: QuarantineReport;
}

/** `msg.filebridge` as the nodes of this package write it. */
export interface FileBridgeFacts {
  /** Unique per delivery of a file (per document for cs-export). */
  correlationId?: string;
  /** The watched file: where it was found, where it is claimed, size, time, attempt, SHA-256. */
  source?: SourceFacts;
  /** validate's verdict with every failed rule. */
  validation?: ValidationResult;
  /** Values taken from the file name (validate's name pattern, map-metadata's pattern). */
  fields?: Record<string, unknown>;
  /** Where and how the file is filed: folder, name, categories, classification, holds, permissions, owner, workspace, workflow, collision. */
  target?: Record<string, unknown>;
  /** The Content Server document: what cs-upload stored, or what cs-export sends. */
  cs?: UploadOutcome | ExportedFacts;
  /** What cs-action did. */
  action?: CsActionOutcome;
  /** cs-export: on input, overrides of the node's settings (folder, recursive, where, nameGlob, id, version); on output, the run's facts. */
  export?: Record<string, unknown> | ExportDeliveryFacts | ExportReportFacts;
  /** One record per finished file, for a flow to log or store. */
  audit?: AuditRecord;
  /** Where quarantine put the file and its report. */
  quarantine?: QuarantineNotice;
  /** Checksum side-car text or `{ sha256 }` handed to validate (its default message property). */
  sidecar?: unknown;
  /** Manifest handed to validate (its default message property). */
  manifest?: unknown;
  /** batch: the batch `msg.payload` holds. */
  batch?: { key: string; count: number; firstAt: string; lastAt: string; reason: 'quiet' | 'size' };
  /** remote `list`: the folder and how many entries `msg.payload` holds. */
  list?: OnServer<{ path: string; count: number }>;
  /** remote `stat`: whether the path exists (`msg.payload` has the entry). */
  stat?: OnServer<{ path: string; exists: boolean }>;
  /** remote `get`: the file read into `msg.payload`. */
  file?: OnServer<EntryFacts>;
  /** remote `put`: where the file was written and how. */
  put?: OnServer<PutResult>;
  /** remote `move`. */
  move?: OnServer<{ from: string; to: string }>;
  /** remote `delete`. */
  delete?: OnServer<{ path: string; deleted: boolean }>;
  /** remote `mkdir`. */
  mkdir?: OnServer<{ path: string }>;
  /** file360 put: the document stored in File 360, its folder, hash, shares and transfer details document. */
  file360?: F360PutOutcome;
  /** rest request: the call (connection, method, url, status), its page or record, records posted in batches. */
  rest?: RestFacts;
}

export type FileBridgeKey = keyof FileBridgeFacts;

/** `msg.filebridge` as a node receives it: the same keys, unchecked, plus whatever else the flow put there. */
export type ReceivedFileBridge = { readonly [K in FileBridgeKey]?: unknown } & Readonly<Record<string, unknown>>;

/** The message properties this package's nodes read or write, besides what Node-RED itself defines. */
export interface FileBridgeMessage {
  payload?: unknown;
  /** The file's name (a path is cut to its last part where a name is needed). */
  filename?: unknown;
  topic?: unknown;
  filebridge?: ReceivedFileBridge;
  /** Set by a Catch node: what quarantine reports. */
  error?: unknown;
}

/** Node types, as the README's contract table names them. */
type NodeName =
  | 'watch'
  | 'validate'
  | 'map-metadata'
  | 'cs-upload'
  | 'cs-export'
  | 'cs-action'
  | 'remote'
  | 'ack'
  | 'quarantine'
  | 'batch'
  | 'file360 put'
  | 'rest request'
  | 'the flow';

export interface ContractEntry {
  /** The shape, in words a flow author reads. */
  shape: string;
  writtenBy: readonly NodeName[];
  readBy: readonly NodeName[];
}

/**
 * Who writes and who reads each key. `satisfies` makes the compiler refuse a key of
 * `FileBridgeFacts` that is missing here, or one here that the type does not have.
 */
export const MESSAGE_CONTRACT = {
  correlationId: { shape: 'text, unique per delivery', writtenBy: ['watch', 'cs-export'], readBy: ['ack', 'quarantine', 'file360 put'] },
  source: {
    shape:
      '`{ server, watch, protocol, host, port, folder, path, relativePath, name, claimPath, size, mtime, claimedAt, attempt, sha256, id, contentHash, inPlace }`',
    writtenBy: ['watch', 'validate'],
    readBy: ['validate', 'map-metadata', 'cs-upload', 'ack', 'quarantine', 'remote', 'file360 put'],
  },
  validation: { shape: '`{ valid, errors: [{ rule, reason, ...details }] }`', writtenBy: ['validate'], readBy: ['quarantine'] },
  fields: { shape: 'object: named groups of the name pattern', writtenBy: ['validate', 'map-metadata'], readBy: ['map-metadata', 'file360 put'] },
  target: {
    shape: '`{ folder, name, document, description, categories, classification, holds, permissions, owner, workspace, workflow, collision, createFolders }`',
    writtenBy: ['map-metadata', 'the flow'],
    readBy: ['map-metadata', 'cs-upload', 'cs-action', 'file360 put'],
  },
  cs: {
    shape:
      'cs-upload: `{ id, version, name, folderId, path, action, redelivered, workspace, governance }`; cs-export: `{ id, name, version, size, mimeType, modifyDate, parentId, path, categories }`',
    writtenBy: ['cs-upload', 'cs-export'],
    readBy: ['cs-action', 'ack', 'quarantine', 'remote'],
  },
  action: { shape: '`{ action, nodeId, result }`', writtenBy: ['cs-action'], readBy: [] },
  export: {
    shape:
      'input: `{ folder, recursive, where, nameGlob, id, version }`; output: `{ runId, mode, index, count }` (`skipped: true` on the error of a document skipped as refused for good; report: `{ runId, mode, folder }` or `{ runId, mode, id }`)',
    writtenBy: ['the flow', 'cs-export'],
    readBy: ['cs-export'],
  },
  audit: {
    shape: '`{ correlationId, outcome, disposal, source, sourceNowAt, target, bytes, sha256, claimedAt, finishedAt, durationMs, error }`',
    writtenBy: ['ack', 'quarantine'],
    readBy: [],
  },
  quarantine: { shape: '`{ path, reportPath, report }`', writtenBy: ['quarantine'], readBy: [] },
  sidecar: { shape: 'side-car text or `{ sha256 }` / `{ md5 }`', writtenBy: ['the flow'], readBy: ['validate'] },
  manifest: { shape: 'JSON array or object, CSV or plain text', writtenBy: ['the flow'], readBy: ['validate'] },
  batch: { shape: '`{ key, count, firstAt, lastAt, reason }` (`quiet` or `size`)', writtenBy: ['batch'], readBy: [] },
  list: { shape: '`{ server, path, count }`', writtenBy: ['remote'], readBy: [] },
  stat: { shape: '`{ server, path, exists }`', writtenBy: ['remote'], readBy: [] },
  file: { shape: '`{ server, name, path, type, size, mtime, mtimePrecision }`', writtenBy: ['remote'], readBy: ['remote'] },
  put: { shape: '`{ server, path, bytes, skipped, renamed, donePath, mtime }`', writtenBy: ['remote'], readBy: [] },
  move: { shape: '`{ server, from, to }`', writtenBy: ['remote'], readBy: [] },
  delete: { shape: '`{ server, path, deleted }`', writtenBy: ['remote'], readBy: [] },
  mkdir: { shape: '`{ server, path }`', writtenBy: ['remote'], readBy: [] },
  file360: {
    shape:
      '`{ server, documentId, name, folderId, folder, path, size, sha256, collision, renamed, shared: [{ kind, name, role, action }], detailsDocumentId, redelivered }`',
    writtenBy: ['file360 put'],
    readBy: [],
  },
  rest: {
    shape:
      '`{ connection, method, url, status, body (Output keep), page: { index }, record: { index }, batches, records, replayed, fileName, failure: { code, errorText, fieldErrors, batch, firstRecord } }` (url without query secrets)',
    writtenBy: ['rest request'],
    readBy: [],
  },
} as const satisfies { [K in FileBridgeKey]-?: ContractEntry };

/** The README's table of `msg.filebridge` keys, generated from `MESSAGE_CONTRACT`. */
export function messageContractTable(): string {
  const names = (list: readonly NodeName[]): string => (list.length === 0 ? '-' : list.join(', '));
  const rows = (Object.entries(MESSAGE_CONTRACT) as [FileBridgeKey, ContractEntry][]).map(
    ([key, e]) => `| \`${key}\` | ${e.shape} | ${names(e.writtenBy)} | ${names(e.readBy)} |`,
  );
  return ['| key | shape | written by | read by |', '|---|---|---|---|', ...rows].join('\n');
}

/** `msg.filebridge` of a received message, or an empty one when it is missing or not an object. */
export function receivedFacts(msg: { filebridge?: unknown }): ReceivedFileBridge {
  const fb = msg.filebridge;
  return typeof fb === 'object' && fb !== null && !Array.isArray(fb) ? (fb as ReceivedFileBridge) : {};
}

/** `msg.filebridge` with the node's own facts added: everything else the message carried stays. */
export function withFacts(msg: { filebridge?: unknown }, facts: FileBridgeFacts): ReceivedFileBridge {
  return { ...receivedFacts(msg), ...facts };
}
