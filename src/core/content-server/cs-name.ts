/**
 * Names between files and Content Server documents. Content Server refuses ':' in item names and
 * names over 248 characters (OpenText's pyxecm: `OTCS.MAX_ITEM_NAME_LENGTH = 248` and
 * `cleanse_item_name`, "Item names for sure are not allowed to have ':'"; see upload.ts). A file
 * whose own name breaks those rules is stored under a mapped name, the same every time:
 *
 * - ':' becomes '：' (U+FF1A FULLWIDTH COLON), the stand-in rclone uses for ':' (rclone lib/encoder,
 *   `EncodeColon`). A name that holds '：' itself has it quoted with '‛' (U+201B, rclone's QuoteRune)
 *   and '‛' is doubled, so `decodeCsName(encodeCsName(x)) === x` for every name: cs-export gives a
 *   document stored as `a：b.txt` out as `a:b.txt` again (a file that went Dropbox -> CS -> Dropbox
 *   comes back under its own name, so a two-way sync sees the same file, not a new one).
 * - A name still over 248 characters is shortened: the start of the name, '~', the first 8 hex digits
 *   of the SHA-256 of the whole original name, and the extension (`<start>~1a2b3c4d.pdf`). Two long
 *   names with the same start get different hashes. This part cannot be undone: the document keeps
 *   the short name, and exports give the short name out.
 */
import { createHash } from 'node:crypto';

/** Content Server's longest item name (pyxecm `OTCS.MAX_ITEM_NAME_LENGTH`). */
export const CS_MAX_NAME = 248;
const QUOTE = '\u201B';
const COLON_STANDIN = '\uFF1A';
/** An extension longer than this is not kept apart when a name is shortened (it is no extension then). */
const MAX_EXTENSION = 32;

/** The reversible part: ':' -> '：', with '‛' quoting literal '：' and '‛'. */
export function encodeCsName(name: string): string {
  let out = '';
  for (const c of name) {
    if (c === ':') out += COLON_STANDIN;
    else if (c === COLON_STANDIN || c === QUOTE) out += QUOTE + c;
    else out += c;
  }
  return out;
}

/** A document's name as a file name: the inverse of `encodeCsName` (a shortened name stays short). */
export function decodeCsName(stored: string): string {
  const chars = [...stored];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const next = chars[i + 1];
    if (c === QUOTE && (next === QUOTE || next === COLON_STANDIN)) {
      out += next;
      i++;
    } else if (c === COLON_STANDIN) out += ':';
    else out += c;
  }
  return out;
}

/**
 * Fits both ways of counting a name's length: Unicode characters (what upload.ts checks) and UTF-16
 * units (what a server written in Java or JavaScript may count); a name within 248 of the second is
 * within 248 of the first.
 */
const fits = (name: string): boolean => name.length <= CS_MAX_NAME;

/** The document name a file of this name gets: encoded, and shortened when still too long. */
export function csDocumentName(fileName: string): string {
  const encoded = encodeCsName(fileName);
  if (fits(encoded)) return encoded;
  const hash = createHash('sha256').update(fileName, 'utf8').digest('hex').slice(0, 8);
  const dot = fileName.lastIndexOf('.');
  let base = fileName;
  let ext = '';
  if (dot > 0 && encodeCsName(fileName.slice(dot)).length <= MAX_EXTENSION) {
    base = fileName.slice(0, dot);
    ext = encodeCsName(fileName.slice(dot));
  }
  const tail = `~${hash}${ext}`;
  const room = CS_MAX_NAME - tail.length;
  // Whole characters of the original, encoded as they go, so neither a surrogate pair nor a '‛' quote is cut in two.
  let head = '';
  for (const c of base) {
    const piece = encodeCsName(c);
    if (head.length + piece.length > room) break;
    head += piece;
  }
  return `${head}${tail}`;
}

/** True when `csDocumentName` changes this file name (the message and the log can say so). */
export function csNameIsMapped(fileName: string): boolean {
  return csDocumentName(fileName) !== fileName;
}
