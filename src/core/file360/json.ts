/**
 * JSON from File 360, read with a size limit and parsed so that no id loses digits. Ids are long
 * numeric strings (`"2599466250228733940"`, pyxecm's examples); should a server (or a proxy) send one
 * as a bare number, `JSON.parse` would round it to the nearest double (2599466250228733952). Integer
 * literals that are not safe integers are therefore turned into strings of their exact digits before
 * parsing. Node 20's JSON.parse has no access to the source text of a number, so this is done on the
 * text, outside string literals.
 */
import { FileBridgeError } from '../errors';
import { readResponseText } from '../response-text';

/** An answer larger than this is refused: a page of 1000 resources is about 1 MB. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** The JSON text with every integer literal beyond 2^53 - 1 (in magnitude) written as a string. */
export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip a string literal, escapes included.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) {
          i++;
          break;
        } else i++;
      }
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) i++;
        else break;
      }
      const literal = text.slice(start, i);
      if (/^-?\d{16,}$/.test(literal) && !Number.isSafeInteger(Number(literal))) {
        out += `${text.slice(last, start)}"${literal}"`;
        last = i;
      }
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Parses File 360 JSON (big integers kept as strings); throws CONNECTION naming `where` when it is not JSON. */
export function parseF360Json(text: string, where: string): unknown {
  try {
    return JSON.parse(quoteUnsafeIntegers(text)) as unknown;
  } catch {
    throw new FileBridgeError('CONNECTION', `File 360 answered ${where} with something that is not JSON.`, { request: where });
  }
}

/** Reads a response body as text, failing once it passes `limit` bytes (a lying peer cannot fill memory). */
export async function readBodyText(res: Response, where: string, limit = MAX_JSON_BYTES): Promise<string> {
  return readResponseText(res, limit, {
    tooLarge: () => new FileBridgeError('CONNECTION', `File 360 answered ${where} with more than ${limit} bytes; it was not read.`, { request: where, limit }),
  });
}

/** Reads at most `limit` bytes of an error body, cutting the rest (error bodies are small); a body that breaks off gives what came. */
export async function readErrorText(res: Response, limit = 64 * 1024): Promise<string> {
  return readResponseText(res, limit, { keepPartial: true });
}
