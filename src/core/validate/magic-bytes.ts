import type { ContentCheck, ValidationError } from './types';

/*
 * Content type by signature. `file-type` is ESM-only and far larger than we need; this table covers
 * what partners exchange. Office Open XML and OpenDocument files are ZIP archives, so their
 * signature is the ZIP one.
 */

interface Signature {
  /** What the content is, for messages ("PDF document"). */
  label: string;
  matches(head: Buffer): boolean;
}

const bytesAt =
  (bytes: number[], offset = 0) =>
  (head: Buffer): boolean =>
    head.length >= offset + bytes.length && bytes.every((b, i) => head[offset + i] === b);
const ascii = (text: string, offset = 0) => bytesAt([...Buffer.from(text, 'latin1')], offset);
const anyOf =
  (...tests: ((head: Buffer) => boolean)[]) =>
  (head: Buffer): boolean =>
    tests.some((t) => t(head));

/** First meaningful character after an optional UTF-8 BOM and white space. */
function firstNonSpace(head: Buffer): string | undefined {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return i < head.length ? String.fromCharCode(head[i]) : undefined;
}

/** Text: no NUL bytes and hardly any other control characters in the sampled head. */
function looksLikeText(head: Buffer): boolean {
  let control = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) control++;
  }
  return control <= head.length * 0.01;
}

const PDF: Signature = { label: 'PDF document', matches: ascii('%PDF-') };
const PNG: Signature = { label: 'PNG image', matches: bytesAt([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) };
const JPEG: Signature = { label: 'JPEG image', matches: bytesAt([0xff, 0xd8, 0xff]) };
const GIF: Signature = { label: 'GIF image', matches: anyOf(ascii('GIF87a'), ascii('GIF89a')) };
const TIFF: Signature = { label: 'TIFF image', matches: anyOf(bytesAt([0x49, 0x49, 0x2a, 0x00]), bytesAt([0x4d, 0x4d, 0x00, 0x2a])) };
const BMP: Signature = { label: 'BMP image', matches: ascii('BM') };
const ZIP: Signature = { label: 'ZIP archive', matches: anyOf(bytesAt([0x50, 0x4b, 0x03, 0x04]), bytesAt([0x50, 0x4b, 0x05, 0x06])) };
const GZIP: Signature = { label: 'gzip archive', matches: bytesAt([0x1f, 0x8b]) };
const SEVEN_ZIP: Signature = { label: '7-Zip archive', matches: bytesAt([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) };
const RAR: Signature = { label: 'RAR archive', matches: ascii('Rar!\x1a\x07') };
const OLE: Signature = { label: 'legacy Microsoft Office (OLE) file', matches: bytesAt([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) };
const XML: Signature = { label: 'XML document', matches: (head) => looksLikeText(head) && firstNonSpace(head) === '<' };
const JSON_DOC: Signature = { label: 'JSON document', matches: (head) => looksLikeText(head) && ['{', '['].includes(firstNonSpace(head) ?? '') };
const BINARY: Signature[] = [PDF, PNG, JPEG, GIF, TIFF, ZIP, GZIP, SEVEN_ZIP, RAR, OLE];
// A PDF or TIFF header is plain ASCII: text means "no binary signature" as well as "no binary bytes".
const TEXT: Signature = { label: 'text', matches: (head) => looksLikeText(head) && !BINARY.some((s) => s.matches(head)) };

/** Extension -> the signature its content must have. Extensions not listed are not checked. */
export const SIGNATURES: Readonly<Record<string, Signature>> = {
  pdf: PDF,
  png: PNG,
  jpg: JPEG,
  jpeg: JPEG,
  gif: GIF,
  tif: TIFF,
  tiff: TIFF,
  bmp: BMP,
  zip: ZIP,
  docx: ZIP,
  xlsx: ZIP,
  pptx: ZIP,
  odt: ZIP,
  ods: ZIP,
  odp: ZIP,
  jar: ZIP,
  gz: GZIP,
  tgz: GZIP,
  '7z': SEVEN_ZIP,
  rar: RAR,
  doc: OLE,
  xls: OLE,
  ppt: OLE,
  msg: OLE,
  xml: XML,
  json: JSON_DOC,
  csv: TEXT,
  tsv: TEXT,
  txt: TEXT,
};

/** Binary signatures first: a ZIP is also "not text", and text must not be claimed by a binary label. */
const DETECTION_ORDER: Signature[] = [...BINARY, XML, JSON_DOC, TEXT];

/** What the content looks like, for the failure message. */
export function describeContent(head: Buffer): string {
  if (head.length === 0) return 'empty';
  return DETECTION_ORDER.find((s) => s.matches(head))?.label ?? 'unrecognised binary data';
}

/** Bytes sampled from the start of the file: enough for every signature and a fair text check. */
export const HEAD_BYTES = 8192;

export function checkMagicBytes(head: Buffer, extension: string): ValidationError[] {
  const signature = SIGNATURES[extension];
  if (!signature) return [];
  if (signature.matches(head) && !(head.length === 0 && signature !== TEXT)) return [];
  return [
    {
      rule: 'magic',
      reason: `The extension ".${extension}" expects a ${signature.label}, but the content looks like ${head.length === 0 ? 'nothing (empty file)' : `a ${describeContent(head)}`}.`,
      extension,
      detected: describeContent(head),
    },
  ];
}

/** Keeps the first HEAD_BYTES bytes of the pass and checks them at the end. */
export function magicBytesCheck(extension: string): ContentCheck {
  const parts: Buffer[] = [];
  let kept = 0;
  return {
    update(chunk) {
      if (kept >= HEAD_BYTES) return;
      const part = chunk.subarray(0, HEAD_BYTES - kept);
      // Copy: a slice would keep the whole (possibly large) chunk alive.
      parts.push(Buffer.from(part));
      kept += part.length;
    },
    finish: () => checkMagicBytes(Buffer.concat(parts, kept), extension),
  };
}
