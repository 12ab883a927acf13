import { FileBridgeError } from '../errors';
import type { RecordEncoding } from './partner-format';

/*
 * Text encodings of partner files. UTF-8 and UTF-16LE are decoded by TextDecoder in streaming mode
 * (a character split across two chunks is held until the next one; the WHATWG Encoding Standard,
 * https://encoding.spec.whatwg.org/#interface-textdecoder). latin1 here is ISO-8859-1 proper (every
 * byte is the code point of the same number, Node's 'latin1'); windows-1252 differs from it in
 * 0x80-0x9F only (euro sign, typographic quotes, ...), mapped by the table below from the WHATWG
 * index (https://encoding.spec.whatwg.org/index-windows-1252.txt), whose five unassigned bytes
 * map to the C1 control of the same number. TextDecoder('latin1') would be windows-1252 too, and
 * TextEncoder writes UTF-8 only, hence our own small code for the single-byte encodings.
 */

const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c,
  0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];
const CP1252_DECODE = new Map<string, string>(CP1252_HIGH.map((code, i) => [String.fromCharCode(0x80 + i), String.fromCharCode(code)]));
const CP1252_ENCODE = new Map<number, number>(CP1252_HIGH.map((code, i) => [code, 0x80 + i]));

export interface TextDecoding {
  /** The text of the next chunk (a split character is kept for the next call). */
  decode(chunk: Buffer): string;
  /** What is left at the end (an incomplete character is an error). */
  end(): string;
}

const BOM_UTF8 = Buffer.from([0xef, 0xbb, 0xbf]);

/** Decodes a partner file's bytes; the byte order mark is stripped; invalid UTF-8 fails naming the byte offset and the fix. */
export function textDecoding(encoding: RecordEncoding, what: string): TextDecoding {
  let offset = 0;
  let first = true;
  const wrongBom = (chunk: Buffer): void => {
    if (!first) return;
    first = false;
    if (encoding !== 'utf16le' && chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)))
      throw new FileBridgeError(
        'INVALID_INPUT',
        `The file starts with a UTF-16 byte order mark but ${what} says ${encoding}: set its encoding to utf16le (or ask the partner for ${encoding}).`,
        { encoding },
      );
    if ((encoding === 'latin1' || encoding === 'windows-1252') && chunk.subarray(0, 3).equals(BOM_UTF8))
      throw new FileBridgeError('INVALID_INPUT', `The file starts with a UTF-8 byte order mark but ${what} says ${encoding}: set its encoding to utf8.`, {
        encoding,
      });
  };
  if (encoding === 'utf8' || encoding === 'utf16le') {
    const decoder = new TextDecoder(encoding === 'utf8' ? 'utf-8' : 'utf-16le', { fatal: true });
    const run = (chunk: Buffer | undefined): string => {
      try {
        return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
      } catch (err) {
        // Where in this chunk: the first replacement character a lenient decode gives (close enough).
        const lenient = chunk ? new TextDecoder(encoding === 'utf8' ? 'utf-8' : 'utf-16le', { ignoreBOM: true }).decode(chunk) : '';
        const at = lenient.indexOf('\ufffd');
        const byte = offset + (at > 0 ? Buffer.byteLength(lenient.slice(0, at), encoding) : 0);
        throw new FileBridgeError(
          'INVALID_INPUT',
          `The file is not valid ${encoding === 'utf8' ? 'UTF-8' : 'UTF-16LE'} (near byte ${byte}): set the encoding of ${what} to the one the partner writes (latin1 or windows-1252 for most older Western European systems).`,
          { encoding, byte },
          { cause: err },
        );
      }
    };
    return {
      decode(chunk) {
        wrongBom(chunk);
        const text = run(chunk);
        offset += chunk.length;
        return text;
      },
      end: () => run(undefined),
    };
  }
  return {
    decode(chunk) {
      wrongBom(chunk);
      const text = chunk.toString('latin1');
      offset += chunk.length;
      return encoding === 'latin1' ? text : text.replace(/[\x80-\x9f]/g, (c) => CP1252_DECODE.get(c)!);
    },
    end: () => '',
  };
}

/** The first character `text` cannot be written in `encoding`, or undefined when all can. */
export function unencodable(text: string, encoding: RecordEncoding): string | undefined {
  if (encoding === 'utf8' || encoding === 'utf16le') {
    // A lone surrogate would become U+FFFD silently.
    const m = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(text);
    return m?.[0];
  }
  const m = encoding === 'latin1' ? /[\u0100-\u{10ffff}]/u.exec(text) : /[\x80-\x9f\u0100-\u{10ffff}]/u.exec(text);
  if (!m) return undefined;
  if (encoding === 'windows-1252') {
    // Check every candidate, not only the first: most of them are in the table.
    for (const c of text.matchAll(/[\x80-\x9f\u0100-\u{10ffff}]/gu)) if (!CP1252_ENCODE.has(c[0].codePointAt(0)!)) return c[0];
    return undefined;
  }
  return m[0];
}

/** Bytes of text already checked with `unencodable`. */
export function encodeText(text: string, encoding: RecordEncoding): Buffer {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  if (encoding === 'utf16le') return Buffer.from(text, 'utf16le');
  if (encoding === 'latin1') return Buffer.from(text, 'latin1');
  const bytes = Buffer.from(text, 'latin1');
  if (/[\x80-\x9f\u0100-\uffff]/.test(text)) {
    for (let i = 0; i < text.length; i++) {
      const mapped = CP1252_ENCODE.get(text.charCodeAt(i));
      if (mapped !== undefined) bytes[i] = mapped;
    }
  }
  return bytes;
}

export function byteOrderMark(encoding: RecordEncoding): Buffer {
  if (encoding === 'utf8') return Buffer.from(BOM_UTF8);
  if (encoding === 'utf16le') return Buffer.from([0xff, 0xfe]);
  return Buffer.alloc(0);
}
