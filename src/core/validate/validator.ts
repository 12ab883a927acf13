import { Readable } from 'node:stream';
import { FileBridgeError } from '../errors';
import { joinRemote } from '../paths';
import { HashCheck, parseSidecar, type ChecksumAlgorithm } from './checksum';
import { csvCheck } from './csv';
import { jsonSchemaCheck } from './json-schema';
import { magicBytesCheck, SIGNATURES } from './magic-bytes';
import { findMissing, manifestErrors, manifestFileName, ManifestUnreadable, parseManifest } from './manifest';
import { checkExtension, checkName, checkNonEmpty, checkSize } from './name';
import type { RuleSet } from './rules';
import { replaySpool, removeSpool, spoolPath, spoolStream } from './spool';
import type { ContentCheck, ValidationError, ValidationResult } from './types';
import { extensionOf, RemoteFileTooLarge } from './types';
import { xmlCheck } from './xml';

/** Side-car and manifest files on the source server; the node backs this with the server's pool. */
export interface RemoteFiles {
  /** The whole file, or undefined when it does not exist; above `maxBytes` it throws `RemoteFileTooLarge`. */
  read(path: string, maxBytes: number): Promise<Buffer | undefined>;
  /** Names of the files in a folder; empty when the folder does not exist. */
  names(folder: string): Promise<Set<string>>;
}

export interface FileContext {
  /** The file's name as the flow knows it (`msg.filename`): name, extension and content rules use it. */
  name: string;
  /** The file's name on the server, for its side-car (defaults to `name`). */
  sourceName?: string;
  /** Remote folder the file was picked up from: side-cars and manifests are looked up there. */
  folder?: string;
  /** Folder the watch claimed the file into: also searched, so claimed files count as present. */
  claimFolder?: string;
  /** SHA-256 already known (computed by the watch): not computed again. */
  sha256?: string;
  remote?: RemoteFiles;
  /** Side-car given with the message: its text, or `{ sha256 }` / `{ md5 }`. */
  sidecar?: unknown;
  /** Manifest given with the message: its text (CSV, JSON, lines) or the parsed list. */
  manifest?: unknown;
  /**
   * Byte count of a stream payload as its source knows it (the watch's claim size; its stream fails
   * when the bytes read differ). Lets a stream that no content rule needs to read pass untouched.
   */
  size?: number;
}

export interface ValidateOptions {
  /** Folder for the temporary copy of a stream payload; default the OS temp folder. */
  spoolDir?: string;
}

export interface ValidationOutcome {
  result: ValidationResult;
  /** Named groups of the name pattern. */
  fields: Record<string, string>;
  /** The same bytes for the next node: the Buffer or string as given, or a fresh stream. */
  payload: Buffer | string | Readable;
  size: number;
  /** SHA-256 computed during the pass (only when the checksum rule needed it and none was known). */
  sha256?: string;
}

const SIDECAR_MAX_BYTES = 1024 * 1024;

/**
 * Runs every enabled rule over ONE pass of the bytes and reports every failure. A stream payload is
 * copied to a temp file while it is checked and handed back as a new stream of that copy. Rule
 * failures are results; only an unreadable payload, bad settings or an unreachable server throw.
 */
export async function validateFile(payload: unknown, rules: RuleSet, context: FileContext, options: ValidateOptions = {}): Promise<ValidationOutcome> {
  if (!(payload instanceof Readable) && !Buffer.isBuffer(payload) && typeof payload !== 'string') {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `msg.payload must be a Buffer, a string or a readable stream, got ${payload === null ? 'null' : typeof payload}.`,
    );
  }
  const errors: ValidationError[] = [];
  let fields: Record<string, string> = {};
  const ext = extensionOf(context.name);
  if (rules.name) {
    const outcome = checkName(context.name, rules.name);
    errors.push(...outcome.errors);
    fields = outcome.fields;
  }
  if (rules.extensions) errors.push(...checkExtension(context.name, rules.extensions));

  const checks: ContentCheck[] = [];
  const add = <C extends ContentCheck>(check: C): C => {
    checks.push(check);
    return check;
  };
  if (rules.magic && SIGNATURES[ext]) add(magicBytesCheck(ext));
  if (rules.csv && rules.csv.extensions.includes(ext)) add(csvCheck(rules.csv));
  if (rules.json && rules.json.extensions.includes(ext)) add(jsonSchemaCheck(rules.json));
  if (rules.xml && rules.xml.extensions.includes(ext)) add(xmlCheck());
  const hashes = new Map<ChecksumAlgorithm, HashCheck>();
  if (rules.checksum) {
    const wanted: ChecksumAlgorithm[] = rules.checksum.algorithm === 'auto' ? ['sha256', 'md5'] : [rules.checksum.algorithm];
    for (const algorithm of wanted) {
      if (algorithm === 'sha256' && context.sha256) continue;
      const hash = new HashCheck(algorithm);
      hashes.set(algorithm, hash);
      add(hash);
    }
  }
  const selfManifest = rules.manifest?.source === 'self' ? add(collector(rules.manifest.maxBytes)) : undefined;

  // Only name, extension and size rules with the size known: the stream goes on unread, so a 5 GB
  // file is not copied to the temp folder and stays a watch stream that an upload retry can reopen.
  const passThrough = payload instanceof Readable && checks.length === 0 && context.size !== undefined;
  let size: number;
  let spooled: string | undefined;
  try {
    if (passThrough) {
      size = context.size as number;
    } else if (payload instanceof Readable) {
      spooled = spoolPath(options.spoolDir);
      size = await spoolStream(payload, spooled, async (chunk) => {
        for (const check of checks) await check.update(chunk);
      });
    } else {
      const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
      size = buf.length;
      for (const check of checks) await check.update(buf);
    }
    for (const check of checks) errors.push(...(await check.finish()));

    if (rules.size) errors.push(...checkSize(size, rules.size));
    if (rules.nonEmpty) errors.push(...checkNonEmpty(size));

    const digests: Partial<Record<ChecksumAlgorithm, string>> = {};
    if (context.sha256) digests.sha256 = context.sha256.toLowerCase();
    for (const [algorithm, hash] of hashes) digests[algorithm] = hash.digest();
    if (rules.checksum) errors.push(...(await checkChecksum(rules, context, digests)));
    if (rules.manifest) errors.push(...(await checkManifest(rules, context, selfManifest)));

    const outcome: ValidationOutcome = {
      result: { valid: errors.length === 0, errors },
      fields,
      payload: spooled ? await replaySpool(spooled) : (payload as Buffer | string | Readable),
      size,
    };
    if (hashes.has('sha256')) outcome.sha256 = digests.sha256;
    return outcome;
  } catch (err) {
    for (const check of checks) check.abort?.();
    if (payload instanceof Readable && !payload.destroyed) payload.destroy();
    if (spooled) await removeSpool(spooled).catch(() => undefined);
    throw err;
  }
}

type Collector = ContentCheck & { content(): Buffer | undefined };

/** Keeps the bytes up to `max` (a manifest that is the validated file itself); undefined when larger. */
function collector(max: number): Collector {
  let parts: Buffer[] | undefined = [];
  let total = 0;
  return {
    update(chunk) {
      total += chunk.length;
      if (!parts) return;
      if (total > max) parts = undefined;
      else parts.push(Buffer.from(chunk));
    },
    finish: () => [],
    content: () => (parts ? Buffer.concat(parts, total) : undefined),
    abort() {
      parts = undefined;
    },
  };
}

function searchFolders(context: FileContext): string[] {
  return [context.folder, context.claimFolder].filter((f): f is string => typeof f === 'string' && f !== '');
}

function needRemote(context: FileContext, what: string): RemoteFiles {
  if (!context.remote || searchFolders(context).length === 0) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The ${what} is read from the file's folder on its server, but the message does not say where the file came from (msg.filebridge.source.server and .path, set by the watch node). Wire this node after a watch node, or give the ${what} in the message.`,
    );
  }
  return context.remote;
}

async function checkChecksum(rules: RuleSet, context: FileContext, digests: Partial<Record<ChecksumAlgorithm, string>>): Promise<ValidationError[]> {
  const rule = rules.checksum!;
  const algorithms: ChecksumAlgorithm[] = rule.algorithm === 'auto' ? ['sha256', 'md5'] : [rule.algorithm];
  const sourceName = context.sourceName || context.name;
  let expected: { algorithm: ChecksumAlgorithm; digest: string; from: string } | undefined;
  let unreadable: string | undefined;
  if (rule.source === 'message') {
    const sidecar = context.sidecar;
    if (sidecar === undefined || sidecar === null || sidecar === '') {
      return [{ rule: 'checksum', reason: 'No side-car came with the message (msg.filebridge.sidecar is empty).' }];
    }
    for (const algorithm of algorithms) {
      let digest: string | undefined;
      if (typeof sidecar === 'string' || Buffer.isBuffer(sidecar)) digest = parseSidecar(sidecar.toString(), algorithm, sourceName);
      else if (typeof sidecar === 'object') {
        const value = (sidecar as Record<string, unknown>)[algorithm];
        if (typeof value === 'string') digest = parseSidecar(value, algorithm, sourceName);
      }
      if (digest) {
        expected = { algorithm, digest, from: 'the message side-car' };
        break;
      }
    }
    if (!expected) unreadable = 'the message side-car';
  } else {
    const remote = needRemote(context, 'checksum side-car');
    search: for (const folder of searchFolders(context)) {
      for (const algorithm of algorithms) {
        const path = joinRemote(folder, `${sourceName}.${algorithm}`);
        let data: Buffer | undefined;
        try {
          data = await remote.read(path, SIDECAR_MAX_BYTES);
        } catch (err) {
          if (!(err instanceof RemoteFileTooLarge)) throw err;
          return [{ rule: 'checksum', reason: `The side-car ${err.message}`, sidecar: path }];
        }
        if (data === undefined) continue;
        const digest = parseSidecar(data.toString('utf8'), algorithm, sourceName);
        if (digest) {
          expected = { algorithm, digest, from: path };
          break search;
        }
        unreadable = `the side-car ${path}`;
      }
    }
    if (!expected && !unreadable) {
      const names = algorithms.map((a) => `${sourceName}.${a}`).join(' or ');
      return [{ rule: 'checksum', reason: `No checksum side-car found: looked for ${names} in ${searchFolders(context).join(' and ')}.` }];
    }
  }
  if (!expected) {
    unreadable ??= 'the side-car';
    return [
      {
        rule: 'checksum',
        reason: `${unreadable.charAt(0).toUpperCase()}${unreadable.slice(1)} holds no ${algorithms.join('/')} digest for ${sourceName} (expected a ${algorithms.map((a) => (a === 'sha256' ? '64' : '32')).join('/')}-digit hex digest).`,
      },
    ];
  }
  const actual = digests[expected.algorithm];
  if (actual === expected.digest) return [];
  return [
    {
      rule: 'checksum',
      reason: `The ${expected.algorithm} of the file is ${actual}, but ${expected.from} says ${expected.digest}: the file is damaged or incomplete.`,
      algorithm: expected.algorithm,
      expected: expected.digest,
      actual,
      sidecar: expected.from,
    },
  ];
}

async function checkManifest(rules: RuleSet, context: FileContext, self: Collector | undefined): Promise<ValidationError[]> {
  const rule = rules.manifest!;
  let content: unknown;
  let manifestName: string;
  if (rule.source === 'self') {
    manifestName = context.name;
    content = self?.content();
    if (content === undefined)
      return [
        {
          rule: 'manifest',
          reason: `The manifest ${manifestName} is larger than ${rule.maxBytes} bytes, the limit for manifests (they are read into memory).`,
        },
      ];
  } else if (rule.source === 'message') {
    manifestName = 'the message manifest';
    content = context.manifest;
    if (content === undefined || content === null || content === '') return [{ rule: 'manifest', reason: 'No manifest came with the message.' }];
  } else {
    const remote = needRemote(context, 'manifest');
    manifestName = manifestFileName(rule.fileName, context.sourceName || context.name);
    for (const folder of searchFolders(context)) {
      const path = joinRemote(folder, manifestName);
      try {
        content = await remote.read(path, rule.maxBytes);
      } catch (err) {
        if (err instanceof RemoteFileTooLarge) return [{ rule: 'manifest', reason: `The manifest ${err.message}`, manifest: path }];
        throw err;
      }
      if (content !== undefined) {
        manifestName = path;
        break;
      }
    }
    if (content === undefined) return [{ rule: 'manifest', reason: `The manifest ${manifestName} was not found in ${searchFolders(context).join(' or ')}.` }];
  }
  try {
    const listed = parseManifest(content, manifestName, rule);
    if (listed.length === 0) return [{ rule: 'manifest', reason: `The manifest ${manifestName} lists no files.`, manifest: manifestName }];
    const remote = needRemote(context, 'folder the manifest describes');
    const missing = await findMissing(listed, searchFolders(context), (folder) => remote.names(folder));
    return manifestErrors(manifestName, listed, missing, rule.maxErrors);
  } catch (err) {
    if (err instanceof ManifestUnreadable) return [{ rule: 'manifest', reason: err.message, manifest: manifestName }];
    throw err;
  }
}
