/**
 * One export run: list what changed in a Content Server folder since the mark, then hand the
 * documents over one at a time, oldest first, moving the mark past each one only once it was
 * delivered. Oldest first is what makes a broken run safe: everything older than the mark has been
 * delivered, so the next run resumes exactly where this one stopped (NiFi's List/Fetch model).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import picomatch from 'picomatch';
import { FileBridgeError, errorMessage } from '../errors';
import type { AttributeFilter, ContentServerClient } from './client';
import type { Change } from './changes';
import { advanceMark, describeQuery, markKey, type ExportMark } from './export-mark';
import { readAll, trackStream, type Delivered, type TrackedStream } from './export-delivery';
import type { PendingConfirmation } from './export-confirm';
import type { CsNode, CsVersion } from './nodes';
import { decodeCsName } from './cs-name';
import { FlowFailure, RefusalGuard, type OnRefusal } from './export-refusal';
import { onReaderFailure } from '../reader-failure';

/** The client operations an export uses. */
export type ExportClient = Pick<
  ContentServerClient,
  'resolveFolder' | 'changes' | 'attributeMatches' | 'getNode' | 'download' | 'readCategories' | 'versions'
> & {
  nodes: Pick<ContentServerClient['nodes'], 'latestVersion' | 'findChild'>;
};

export interface ExportSettings {
  /** Documents of at most this many bytes go out as a Buffer; 0 = always a stream. */
  bufferLimit: number;
  /** A payload stream nobody reads for this long stops the run (TIMEOUT); 0 = wait forever. */
  idleTimeoutMs: number;
  /** Adds the document's category values (by name) to the facts. */
  includeCategories: boolean;
  /** Computes each delivered document's SHA-256 on the way through, for the run report (manifests). */
  sha256?: boolean;
  /**
   * A document counts as delivered only once the flow confirms it (`hooks.expectConfirmation`),
   * not when its payload was read: the mark then never moves past a file the receiver failed to store.
   */
  confirm?: boolean;
  /**
   * Changes runs: a document the flow refuses for good (export-refusal.ts) stops the run (`stop`, also
   * when absent: flows made before the option) or is skipped, reported and passed by the mark (`skip`).
   */
  onRefusal?: OnRefusal;
}

/** What a message says about the document it carries (`msg.filebridge.cs`). */
export interface ExportedFacts {
  id: number;
  name: string;
  version: number;
  size: number | undefined;
  mimeType: string | undefined;
  modifyDate: string | undefined;
  parentId: number | undefined;
  /** Folder path from the exported folder down to the document's folder ("" = the folder itself, "Sub/Deeper"). */
  path: string;
  categories?: Record<string, Record<string, unknown>>;
}

export interface ExportedDocument {
  payload: Readable | Buffer;
  filename: string;
  cs: ExportedFacts;
  /** 1-based position in this run, and the number of documents the run is sending. */
  index: number;
  count: number;
}

/** A delivered document as the run report lists it (what a manifest needs). */
export interface DeliveredEntry {
  id: number;
  name: string;
  path: string;
  version: number;
  /** Bytes that reached the receiver. */
  size: number;
  modifyDate: string | undefined;
  sha256?: string;
}

/** A refused document as the guard holds it until it is skipped. */
interface Refusal {
  doc: ExportedDocument;
  entry: SkippedEntry;
  error: FileBridgeError;
}

/** A document skipped because the flow refused it for good; the mark moved past it. */
export interface SkippedEntry {
  id: number;
  name: string;
  path: string;
  version: number | undefined;
  /** The code the flow reported (INVALID_INPUT, VALIDATION, MAPPING). */
  code: string;
  message: string;
}

export interface ExportError {
  id?: number;
  name?: string;
  code: string;
  message: string;
}

export interface ExportSummary {
  runId: string;
  mode: 'changes' | 'document';
  folderId?: number;
  /** Documents this run set out to send. */
  count: number;
  sent: number;
  /** The delivered documents, in the order sent. */
  documents: DeliveredEntry[];
  /** True when the run went through its whole list: every document was delivered, reported as gone or skipped. */
  complete: boolean;
  /** Documents the flow refused for good and the run skipped ("When the flow refuses a document for good: skip it"). */
  skipped: SkippedEntry[];
  /** The mark after the run (changes mode with "only changed" on). */
  mark?: ExportMark;
  errors: ExportError[];
  startedAt: string;
  finishedAt: string;
}

export interface ExportHooks {
  /** Sends one document's message. Called again only after the previous one was delivered. */
  emit(doc: ExportedDocument): void;
  progress?(p: { phase: 'listing' | 'sending'; index: number; count: number }): void;
  /** Abort signal of the owner (a node being stopped): the current stream ends and the run stops. */
  signal?: AbortSignal;
  /** With `settings.confirm`: starts waiting for the flow to confirm document `index` (called before its message is sent). */
  expectConfirmation?(index: number, what: string, timeoutMs: number): PendingConfirmation;
  /** A document the flow refused for good was skipped (`settings.onRefusal` 'skip'); `error` says why, for a Catch node. */
  skipped?(doc: ExportedDocument, entry: SkippedEntry, error: FileBridgeError): void;
}

export interface ChangesRun {
  runId: string;
  folder: string | number;
  recursive: boolean;
  where?: AttributeFilter;
  nameGlob?: string;
  /** Only what changed since the mark (and keep the mark); false = everything, mark untouched. */
  onlyChanged: boolean;
  /** Reads the mark of the resolved query (undefined = none yet). */
  loadMark(key: string): Promise<ExportMark | undefined>;
  /** Persists the mark; called after each delivered document, so a crash re-sends at most one. */
  saveMark(key: string, mark: ExportMark): Promise<void>;
}

export interface DocumentRun {
  runId: string;
  /** The document's node id, or its path (`Enterprise:Partners/ACME/contract.pdf`). */
  id: number | string;
  version?: number;
  /**
   * Only a document with this category value is sent (e.g. Invoice / Status = Approved): what makes
   * a retransmission "the approved version". Content Server keeps category values per document, so
   * the latest version is the approved one while the document is approved.
   */
  where?: AttributeFilter;
}

export interface RunOutcome {
  summary: ExportSummary;
  /** Why the run stopped early; undefined when it completed. */
  error?: FileBridgeError;
}

function coded(err: unknown): FileBridgeError {
  return err instanceof FileBridgeError ? err : new FileBridgeError('CONNECTION', errorMessage(err), {}, { cause: err });
}

function stopped(): FileBridgeError {
  return new FileBridgeError('CONNECTION', 'The export was stopped (node closed or redeployed); the next run resumes from the mark');
}

/** Lists the matching changes, oldest first (ties by id), each id once. */
export async function listChanges(
  client: ExportClient,
  folderId: number,
  run: Pick<ChangesRun, 'recursive' | 'where' | 'nameGlob'>,
  mark: ExportMark | undefined,
  signal?: AbortSignal,
): Promise<Change[]> {
  const matchName = run.nameGlob ? picomatch(run.nameGlob, { nocase: true, dot: true }) : undefined;
  const since = mark?.since ? new Date(mark.since) : undefined;
  const byId = new Map<number, Change>();
  const seen = new Set(mark?.seenAtMark ?? []);
  // Items at the mark's very second come back too and are checked here: see `seenVersions`.
  for await (const change of client.changes({ folder: folderId, since, seenAtMark: [], recursive: run.recursive })) {
    if (signal?.aborted) throw stopped();
    if (matchName && !matchName(change.node.name)) continue;
    if (since && change.node.modifyDate?.getTime() === since.getTime() && seen.has(change.node.id)) {
      const sentVersion = mark?.seenVersions?.[String(change.node.id)];
      if (sentVersion === undefined || (await client.nodes.latestVersion(change.node.id)).versionNumber <= sentVersion) continue;
    }
    if (run.where && !(await client.attributeMatches(change.node.id, run.where))) continue;
    // An item changed while paging can be listed twice; the later listing has the newer date.
    const known = byId.get(change.node.id);
    // The raw properties are dropped: a busy folder lists many thousands of documents before the first is sent.
    if (!known || (change.node.modifyDate?.getTime() ?? 0) >= (known.node.modifyDate?.getTime() ?? 0))
      byId.set(change.node.id, { node: { ...change.node, properties: {} }, path: change.path });
  }
  return [...byId.values()].sort((a, b) => (a.node.modifyDate?.getTime() ?? 0) - (b.node.modifyDate?.getTime() ?? 0) || a.node.id - b.node.id);
}

/** Folder names on the way down from the exported folder, looked up once per folder per run. */
class FolderNames {
  private readonly names = new Map<number, string>();
  constructor(private readonly client: ExportClient) {}

  async relativePath(path: number[]): Promise<string> {
    const parts: string[] = [];
    for (const id of path.slice(1)) {
      let name = this.names.get(id);
      if (name === undefined) {
        name = (await this.client.getNode(id)).name;
        this.names.set(id, name);
      }
      parts.push(name);
    }
    return parts.join('/');
  }
}

class Deliverer {
  private current: TrackedStream | undefined;
  private readonly onAbort = (): void => this.current?.abort(stopped());

  constructor(
    private readonly client: ExportClient,
    private readonly settings: ExportSettings,
    private readonly hooks: ExportHooks,
  ) {
    hooks.signal?.addEventListener('abort', this.onAbort);
  }

  dispose(): void {
    this.hooks.signal?.removeEventListener('abort', this.onAbort);
  }

  /** Sends one document and resolves once it was delivered. */
  async deliver(node: CsNode, version: CsVersion, path: string, index: number, count: number): Promise<DeliveredEntry> {
    if (this.hooks.signal?.aborted) throw stopped();
    const categories = this.settings.includeCategories ? await this.client.readCategories(node.id) : undefined;
    const size = version.fileSize ?? node.size;
    const cs: ExportedFacts = {
      id: node.id,
      name: node.name,
      version: version.versionNumber,
      size,
      mimeType: version.mimeType ?? node.mimeType,
      modifyDate: node.modifyDate?.toISOString(),
      parentId: node.parentId,
      path,
      ...(categories ? { categories } : {}),
    };
    // By number, not "latest": should a version land meanwhile, the facts and the bytes still describe the same one.
    const download = await this.client.download(node.id, version.versionNumber);
    const what = `'${node.name}' (${node.id})`;
    // The file's own name: a name cs-upload mapped for Content Server (':' stored as '：') comes back as
    // it was (cs-name.ts), so a file that went to Content Server and back keeps its name. cs.name stays the document's.
    const filename = decodeCsName(node.name);
    const entry = (d: Delivered): DeliveredEntry => ({
      id: node.id,
      name: node.name,
      path,
      version: version.versionNumber,
      size: d.bytes,
      modifyDate: cs.modifyDate,
      ...(d.sha256 ? { sha256: d.sha256 } : {}),
    });
    const confirmation = this.awaitConfirmation(index, what);
    try {
      if (this.settings.bufferLimit > 0 && size !== undefined && size <= this.settings.bufferLimit) {
        const payload = await readAll(download.stream, what);
        this.hooks.emit({ payload, filename, cs: { ...cs, size: payload.length }, index, count });
        await confirmation?.promise;
        return entry({ bytes: payload.length, ...(this.settings.sha256 ? { sha256: createHash('sha256').update(payload).digest('hex') } : {}) });
      }
      const tracked = trackStream(download.stream, this.settings.idleTimeoutMs, what, { sha256: this.settings.sha256, onProgress: confirmation?.touch });
      this.current = tracked;
      // The node storing the file failed (kit/failure.ts): its code, not just "closed before the end".
      let refuse: (err: FlowFailure) => void = () => undefined;
      const refused = new Promise<never>((_resolve, reject) => (refuse = reject));
      refused.catch(() => undefined);
      onReaderFailure(tracked.stream, (err) => {
        const failure = new FlowFailure(what, err.code, err.message);
        tracked.abort(failure);
        refuse(failure);
      });
      try {
        this.hooks.emit({ payload: tracked.stream, filename, cs, index, count });
        if (!confirmation) return entry(await tracked.delivered);
        // Both: read to the end, and confirmed; a failure reported by the flow ends the stream too.
        const [delivered] = await Promise.all([
          tracked.delivered,
          Promise.race([confirmation.promise, refused]).catch((err: FileBridgeError) => {
            tracked.abort(err);
            throw err;
          }),
        ]);
        return entry(delivered);
      } finally {
        this.current = undefined;
      }
    } finally {
      confirmation?.cancel();
    }
  }

  private awaitConfirmation(index: number, what: string): PendingConfirmation | undefined {
    if (!this.settings.confirm) return undefined;
    if (!this.hooks.expectConfirmation) throw new FileBridgeError('INVALID_INPUT', 'This export waits for confirmations but has no way to receive them');
    return this.hooks.expectConfirmation(index, what, this.settings.idleTimeoutMs);
  }
}

function summaryBase(runId: string, mode: ExportSummary['mode'], startedAt: Date): ExportSummary {
  return {
    runId,
    mode,
    count: 0,
    sent: 0,
    documents: [],
    complete: false,
    skipped: [],
    errors: [],
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
  };
}

/** What the report of a skipped document says about it (its payload is gone). */
function skippedDocument(node: CsNode, version: CsVersion | undefined, path: string, index: number, count: number): ExportedDocument {
  return {
    payload: Buffer.alloc(0),
    filename: decodeCsName(node.name),
    cs: {
      id: node.id,
      name: node.name,
      version: version?.versionNumber ?? 0,
      size: version?.fileSize ?? node.size,
      mimeType: version?.mimeType ?? node.mimeType,
      modifyDate: node.modifyDate?.toISOString(),
      parentId: node.parentId,
      path,
    },
    index,
    count,
  };
}

function errorEntry(err: FileBridgeError, node?: CsNode): ExportError {
  return { ...(node ? { id: node.id, name: node.name } : {}), code: err.code, message: err.message };
}

/**
 * Runs a "what changed" export. A document deleted (or hidden) between listing and sending is
 * reported in `errors` and passed; with `onRefusal` 'skip', a document the flow refuses for good is
 * listed in `skipped`, reported (`hooks.skipped`) and passed; any other failure stops the run with the
 * mark on the last delivered document.
 */
export async function runChanges(client: ExportClient, run: ChangesRun, settings: ExportSettings, hooks: ExportHooks): Promise<RunOutcome> {
  const summary = summaryBase(run.runId, 'changes', new Date());
  const deliverer = new Deliverer(client, settings, hooks);
  const finish = (error?: FileBridgeError): RunOutcome => {
    deliverer.dispose();
    summary.finishedAt = new Date().toISOString();
    if (error) summary.errors.push(errorEntry(error));
    summary.complete = !error;
    return { summary, error };
  };
  try {
    hooks.progress?.({ phase: 'listing', index: 0, count: 0 });
    const folderId = await client.resolveFolder(run.folder);
    summary.folderId = folderId;
    const shape = { folderId, recursive: run.recursive, where: run.where, nameGlob: run.nameGlob };
    const key = markKey(shape);
    const query = describeQuery(shape);
    let mark = run.onlyChanged ? await run.loadMark(key) : undefined;
    if (run.onlyChanged) summary.mark = mark;
    const changes = await listChanges(client, folderId, run, mark, hooks.signal);
    summary.count = changes.length;
    const folders = new FolderNames(client);
    // With "skip", refusals that look like a misconfigured storing node are held back, and so is the
    // mark: it moves past them only once they are skipped (RefusalGuard, export-refusal.ts).
    const guard = new RefusalGuard<Refusal>();
    const skip = (refusals: Refusal[]): void => {
      for (const r of refusals) {
        summary.skipped.push(r.entry);
        hooks.skipped?.(r.doc, r.entry, r.error);
      }
    };
    let steps: { id: number; modifyDate: Date | undefined; version?: number }[] = [];
    const moveMark = async (): Promise<void> => {
      if (!run.onlyChanged || guard.holding || steps.length === 0) return;
      let moved = mark;
      for (const s of steps) moved = advanceMark(moved, s.id, s.modifyDate, query, s.version);
      steps = [];
      if (!moved) return;
      mark = moved;
      await run.saveMark(key, moved);
      summary.mark = moved;
    };
    for (const [i, { node, path }] of changes.entries()) {
      hooks.progress?.({ phase: 'sending', index: i + 1, count: changes.length });
      let version: CsVersion | undefined;
      let relative = '';
      try {
        version = await client.nodes.latestVersion(node.id);
        relative = await folders.relativePath(path);
        summary.documents.push(await deliverer.deliver(node, version, relative, i + 1, changes.length));
        summary.sent++;
        skip(guard.stored());
      } catch (err) {
        const e = coded(err);
        if (e instanceof FlowFailure) {
          // Checked first: a put failing NOT_FOUND (its target folder is missing) is no document gone from Content Server.
          if (settings.onRefusal !== 'skip' || !e.forGood) throw e.stopping();
          const entry: SkippedEntry = { id: node.id, name: node.name, path: relative, version: version?.versionNumber, code: e.reported, message: e.message };
          const verdict = guard.refused({ doc: skippedDocument(node, version, relative, i + 1, changes.length), entry, error: e.skipping() }, node.name, e);
          if ('stop' in verdict) throw verdict.stop;
          skip(verdict.skip);
        } else if (e.code === 'NOT_FOUND') summary.errors.push(errorEntry(e, node));
        else throw e;
      }
      steps.push({ id: node.id, modifyDate: node.modifyDate, version: version?.versionNumber });
      await moveMark();
    }
    const verdict = guard.end();
    if ('stop' in verdict) throw verdict.stop;
    skip(verdict.skip);
    await moveMark();
    return finish();
  } catch (err) {
    return finish(coded(err));
  }
}

/** The document at a path: the folder part is walked like an upload target, the last part is the name. */
async function findDocument(client: ExportClient, path: string): Promise<CsNode> {
  const colon = path.indexOf(':');
  const slash = path.lastIndexOf('/');
  const folder = slash > colon ? path.slice(0, slash) : path.slice(0, colon);
  const name = (slash > colon ? path.slice(slash + 1) : path.slice(colon + 1)).trim();
  if (name === '') throw new FileBridgeError('INVALID_INPUT', `'${path}' names a folder, not a document: end the path with the document's name`);
  const found = await client.nodes.findChild(await client.resolveFolder(folder), name);
  if (!found) throw new FileBridgeError('NOT_FOUND', `No document '${name}' in ${folder}`, { path });
  return found;
}

/** Sends one document (latest version unless `version` is given): retransmission, "send me that one". */
export async function runDocument(client: ExportClient, run: DocumentRun, settings: ExportSettings, hooks: ExportHooks): Promise<RunOutcome> {
  const summary = summaryBase(run.runId, 'document', new Date());
  const deliverer = new Deliverer(client, settings, hooks);
  summary.count = 1;
  try {
    const node = typeof run.id === 'number' ? await client.getNode(run.id) : await findDocument(client, run.id);
    if (node.container)
      throw new FileBridgeError(
        'INVALID_INPUT',
        `Node ${run.id} ('${node.name}') is a ${node.typeName ?? 'container'}, not a document: give the id of a document`,
      );
    if (run.where && !(await client.attributeMatches(node.id, run.where))) {
      const { category, attribute, equals } = run.where;
      throw new FileBridgeError(
        'NOT_FOUND',
        `Document ${node.id} ('${node.name}') has no version with ${category} / ${attribute} = ${String(equals)}: it is not sent`,
        { id: node.id, where: run.where },
      );
    }
    let version: CsVersion;
    if (run.version === undefined) version = await client.nodes.latestVersion(node.id);
    else {
      const found = (await client.versions(node.id)).find((v) => v.versionNumber === run.version);
      if (!found)
        throw new FileBridgeError('NOT_FOUND', `Document ${run.id} ('${node.name}') has no version ${run.version}`, { id: run.id, version: run.version });
      version = found;
    }
    summary.documents.push(await deliverer.deliver(node, version, '', 1, 1));
    summary.sent = 1;
    summary.complete = true;
    return { summary };
  } catch (err) {
    const c = coded(err);
    const e = c instanceof FlowFailure ? c.stopping() : c;
    summary.errors.push(errorEntry(e));
    return { summary, error: e };
  } finally {
    deliverer.dispose();
    summary.finishedAt = new Date().toISOString();
  }
}
