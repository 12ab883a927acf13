import { fitName, MAX_NAME_BYTES, utf8Bytes } from '../name-bytes';
import { checkBelow, checkFileName, joinRemote } from '../paths';
import { resolveBelow } from './claim';
import { relativeDir, type SourceFacts } from './source';

/** What `<name>.error.json` beside a quarantined file says. */
export interface QuarantineReport {
  file: string;
  /** Where the file was found, and where it is now. */
  originalPath: string;
  quarantinedPath: string;
  time: string;
  error: { message: string; code?: string };
  /** The node that failed (from `msg.error.source`), when known. */
  failedNode?: { id?: string; type?: string; name?: string };
  attempt: number;
  correlationId?: string;
  source: SourceFacts;
  validation?: unknown[];
  /** False when the file was no longer in the claim folder (already disposed or recovered), or was left in place. */
  fileMoved: boolean;
  /** True when the watch takes files in place: the file was not moved and is still at `originalPath`. */
  leftInPlace?: boolean;
}

export interface FailureInfo {
  message: string;
  code?: string;
  failedNode?: { id?: string; type?: string; name?: string };
  validation?: unknown[];
}

/**
 * Reads what went wrong from a message: `msg.error` (Catch node, or a node's own error) or, from
 * validate's invalid output, `msg.filebridge.validation`.
 */
export function failureOf(error: unknown, validation: unknown): FailureInfo {
  const v = validation && typeof validation === 'object' ? (validation as { valid?: unknown; errors?: unknown }) : undefined;
  const errors = Array.isArray(v?.errors) ? v.errors : undefined;
  if (error && typeof error === 'object') {
    const e = error as { message?: unknown; code?: unknown; source?: unknown };
    const src = e.source && typeof e.source === 'object' ? (e.source as Record<string, unknown>) : undefined;
    return {
      // Node-RED's Catch gives `err.toString()`: "FileBridgeError: text". The class name is noise in a report.
      message: typeof e.message === 'string' ? e.message.replace(/^[A-Za-z]*Error: /, '') : String(e.message ?? 'unknown error'),
      code: typeof e.code === 'string' ? e.code : undefined,
      failedNode: src ? { id: str(src.id), type: str(src.type), name: str(src.name) } : undefined,
      validation: errors,
    };
  }
  if (errors) {
    const reasons = errors.map((x) =>
      x && typeof x === 'object' ? `${str((x as Record<string, unknown>).rule) ?? '?'}: ${str((x as Record<string, unknown>).reason) ?? ''}` : String(x),
    );
    return { message: `Validation failed: ${reasons.join('; ')}`, code: 'VALIDATION', validation: errors };
  }
  if (typeof error === 'string') return { message: error };
  return { message: 'Sent to quarantine by the flow (no msg.error given).' };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `yyyyMMddTHHmmss-SSSZ`: sorts by time. */
export const reportStamp = (at: Date): string =>
  at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('.', '')
    .replace(/(\d{8}T\d{6})(\d{3})Z/, '$1-$2Z');

/**
/**
 * Bytes a quarantined file's name may have: its report `<name>.error.json` is written to a temporary
 * `.<report name>.<8 hex>.part` first (+26), and a taken name gets `_1`... `_9999` (+5), all within
 * one 255-byte name.
 */
const QUARANTINED_NAME_BYTES = MAX_NAME_BYTES - '.error.json'.length - '..12345678.part'.length - '_9999'.length;

/**
 * `<folder>/<relative dir>/<yyyyMMddTHHmmss-SSSZ>_<name>`: sorts by time, keeps the extension last.
 * A name too long for that is cut (extension kept); the report beside it has the whole name.
 * Always inside the quarantine folder: a name or relative path (from a server or a message) that
 * would lead out of it is refused.
 */
export function quarantinePath(folderSetting: string, source: Pick<SourceFacts, 'folder' | 'relativePath' | 'name'>, at: Date): string {
  const root = resolveBelow(source.folder, folderSetting.trim() || '.filebridge/failed');
  checkFileName(source.name, 'file name');
  const head = `${reportStamp(at)}_`;
  const name = head + fitName(source.name, QUARANTINED_NAME_BYTES - utf8Bytes(head));
  return checkBelow(root, joinRemote(root, relativeDir(source.relativePath), name), 'quarantine path');
}

export function buildReport(
  source: SourceFacts,
  failure: FailureInfo,
  quarantinedPath: string,
  at: Date,
  fileMoved: boolean,
  correlationId?: string,
): QuarantineReport {
  const report: QuarantineReport = {
    file: source.name,
    originalPath: source.path,
    quarantinedPath,
    time: at.toISOString(),
    error: { message: failure.message, ...(failure.code ? { code: failure.code } : {}) },
    attempt: source.attempt ?? 1,
    source,
    fileMoved,
    ...(source.inPlace === true ? { leftInPlace: true } : {}),
  };
  if (failure.failedNode) report.failedNode = failure.failedNode;
  if (correlationId) report.correlationId = correlationId;
  if (failure.validation) report.validation = failure.validation;
  return report;
}
