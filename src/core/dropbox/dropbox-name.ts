/**
 * Names between the product and Dropbox. The product (watch, remote, ack, messages) always sees a
 * file's own name; only the Dropbox session sees the stored one. The mapping is rclone's Dropbox
 * encoding (rclone backend/dropbox/dropbox.go: `encoder.Base | EncodeBackSlash | EncodeDel |
 * EncodeRightSpace | EncodeInvalidUtf8`, with the comment "https://www.dropbox.com/help/syncing-uploads/files-not-syncing
 * lists / and \ as invalid characters. Testing revealed names with trailing spaces and the DEL
 * character don't work"), using rclone's own stand-ins (rclone lib/encoder/encoder.go), so a file
 * put by this package and one put by rclone get the same Dropbox name:
 *
 *   `\`  (backslash)          -> `＼` U+FF3C FULLWIDTH REVERSE SOLIDUS
 *   DEL  (U+007F)             -> `␡` U+2421 SYMBOL FOR DELETE
 *   ` `  (the last character) -> `␠` U+2420 SYMBOL FOR SPACE
 *
 * A name that holds a stand-in itself has it quoted with `‛` (U+201B, rclone's QuoteRune), and `‛`
 * itself is doubled, so `decode(encode(x)) === x` for every name. Left out of rclone's Base: the NUL,
 * `/` and `.`/`..` stand-ins (`␀`, `／`, `．`): the product never has those in a name (a path would
 * refuse them), and decoding them would turn a Dropbox name typed with `／` into a path.
 *
 * A name with no mapping (Dropbox refuses it whatever its characters: desktop.ini, thumbs.db...) or
 * too long for Dropbox is refused before any byte is sent (`dropboxNameProblem`).
 */

const QUOTE = '\u201B';
const BACKSLASH_STANDIN = '\uFF3C';
const DEL_STANDIN = '\u2421';
const SPACE_STANDIN = '\u2420';
const DEL = '\u007F';

/** The name Dropbox stores for the product's `name`. */
export function encodeDropboxName(name: string): string {
  if (name === '') return name;
  let body = name;
  let suffix = '';
  if (body.endsWith(' ')) {
    body = body.slice(0, -1);
    suffix = SPACE_STANDIN;
  } else if (body.endsWith(SPACE_STANDIN)) {
    body = body.slice(0, -1);
    suffix = QUOTE + SPACE_STANDIN;
  }
  let out = '';
  for (const c of body) {
    if (c === '\\') out += BACKSLASH_STANDIN;
    else if (c === DEL) out += DEL_STANDIN;
    else if (c === BACKSLASH_STANDIN || c === DEL_STANDIN || c === QUOTE) out += QUOTE + c;
    else out += c;
  }
  return out + suffix;
}

/** The product's name for a name Dropbox lists. */
export function decodeDropboxName(stored: string): string {
  const chars = [...stored];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const next = chars[i + 1];
    if (c === QUOTE && (next === QUOTE || next === BACKSLASH_STANDIN || next === DEL_STANDIN || (next === SPACE_STANDIN && i + 2 === chars.length))) {
      out += next;
      i++;
    } else if (c === BACKSLASH_STANDIN) out += '\\';
    else if (c === DEL_STANDIN) out += DEL;
    else if (c === SPACE_STANDIN && i + 1 === chars.length) out += ' ';
    else out += c;
  }
  return out;
}

/**
 * Why a listed Dropbox name cannot be used, or undefined. A name made in Dropbox itself may not be
 * one this package would store (a `‛` that quotes nothing, say): reading it back by its decoded name
 * would then address another file, so it is refused like any unusable listed name.
 */
export function storedDropboxNameProblem(stored: string): string | undefined {
  if (encodeDropboxName(decodeDropboxName(stored)) === stored) return undefined;
  return `a name this package cannot map back to itself (its "${QUOTE}" quotes nothing; rename it in Dropbox)`;
}

/**
 * Names Dropbox will not store whatever they are called (answered with `path/disallowed_name`): the
 * list rclone refuses before uploading (rclone backend/dropbox/dropbox.go `ignoredFiles`, after
 * https://www.dropbox.com/en/help/145 "Ignored files"; the Dropbox help page "files-not-syncing"
 * names the same six: "desktop.ini", "thumbs.db", ".ds_store", "icon\r", ".dropbox", ".dropbox.attr").
 * Compared without case, as Dropbox does.
 */
export const DROPBOX_DISALLOWED_NAMES: readonly string[] = ['desktop.ini', 'thumbs.db', '.ds_store', 'icon\r', '.dropbox', '.dropbox.attr'];

/** The longest name Dropbox takes, in characters (rclone backend/dropbox/dropbox.go `maxFileNameLength = 255`, checked per path part). */
export const DROPBOX_MAX_NAME = 255;

/** Why Dropbox cannot store a file or folder of this (product) name, or undefined. */
export function dropboxNameProblem(name: string): string | undefined {
  if (DROPBOX_DISALLOWED_NAMES.includes(name.toLowerCase())) {
    return `Dropbox does not store files or folders named "${JSON.stringify(name).slice(1, -1)}" (it refuses the name as disallowed_name, whatever the case); rename it before it goes to Dropbox, or leave it out`;
  }
  const length = [...encodeDropboxName(name)].length;
  if (length > DROPBOX_MAX_NAME) {
    return `the name has ${length} characters on Dropbox, which allows ${DROPBOX_MAX_NAME}; give it a shorter name`;
  }
  return undefined;
}
