import { FileBridgeError } from '../errors';

/*
 * Splits the text of a JSON array of records into the text of each element as it arrives, so a
 * 200 MB array is never one string. Only objects are records: an element that is not an object, text
 * before the [ or after the ], and an element longer than the limit fail, naming the record number
 * and the line it starts on. Each element's text is checked by JSON.parse afterwards.
 */

export interface SplitElement {
  text: string;
  /** 1-based record number. */
  record: number;
  /** 1-based line the element starts on. */
  line: number;
}

const enum Phase {
  Start,
  FirstValue,
  Value,
  InValue,
  AfterValue,
  Done,
}

const WS = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export class JsonArraySplitter {
  private phase = Phase.Start;
  private parts: string[] = [];
  private partLength = 0;
  private depth = 0;
  private inString = false;
  private escape = false;
  private line = 1;
  private startLine = 1;
  private record = 0;

  constructor(
    private readonly maxChars: number,
    private readonly what: string,
  ) {}

  private fail(message: string, details: Record<string, unknown>): never {
    throw new FileBridgeError('INVALID_INPUT', message, details);
  }

  private unexpected(c: number, expected: string): never {
    const ch = JSON.stringify(String.fromCharCode(c));
    if (this.phase === Phase.Start)
      this.fail(
        `The file is not a JSON array (it starts with ${ch}): ${this.what} expects [ {...}, {...} ]; choose JSON lines if the file has one object per line.`,
        {
          line: this.line,
        },
      );
    if (this.phase === Phase.Done)
      this.fail(`Line ${this.line}: ${ch} after the closing ] of the array; the file must hold one JSON array only.`, { line: this.line });
    return this.fail(
      `Record ${this.record + 1} (line ${this.line}): expected ${expected}, found ${ch}. Each element of the array must be a record (a JSON object).`,
      {
        record: this.record + 1,
        line: this.line,
      },
    );
  }

  /** The complete elements in `text` (and what was pending from earlier chunks). */
  push(text: string): SplitElement[] {
    const out: SplitElement[] = [];
    let start = -1;
    if (this.phase === Phase.InValue) start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.phase === Phase.InValue) {
        if (c === 0x0a) this.line++;
        if (this.inString) {
          if (this.escape) this.escape = false;
          else if (c === 0x5c) this.escape = true;
          else if (c === 0x22) this.inString = false;
          continue;
        }
        if (c === 0x22) this.inString = true;
        else if (c === 0x7b || c === 0x5b) this.depth++;
        else if (c === 0x7d || c === 0x5d) {
          this.depth--;
          if (this.depth === 0) {
            this.parts.push(text.slice(start, i + 1));
            const element = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
            this.checkLength(element.length);
            out.push({ text: element, record: this.record, line: this.startLine });
            this.parts = [];
            this.partLength = 0;
            this.phase = Phase.AfterValue;
          }
        }
        continue;
      }
      if (c === 0x0a) this.line++;
      if (WS(c) || (c === 0xfeff && this.phase === Phase.Start)) continue;
      switch (this.phase) {
        case Phase.Start:
          if (c !== 0x5b) this.unexpected(c, '[');
          this.phase = Phase.FirstValue;
          break;
        case Phase.FirstValue:
        case Phase.Value:
          if (c === 0x5d && this.phase === Phase.FirstValue) {
            this.phase = Phase.Done;
            break;
          }
          if (c !== 0x7b) this.unexpected(c, 'a record {...}');
          this.phase = Phase.InValue;
          this.record++;
          this.startLine = this.line;
          this.depth = 1;
          start = i;
          break;
        case Phase.AfterValue:
          if (c === 0x2c) this.phase = Phase.Value;
          else if (c === 0x5d) this.phase = Phase.Done;
          else this.unexpected(c, ', or ]');
          break;
        default:
          this.unexpected(c, 'the end of the file');
      }
    }
    if (this.phase === Phase.InValue) {
      const rest = text.slice(start);
      this.partLength += rest.length;
      this.checkLength(this.partLength);
      this.parts.push(rest);
    }
    return out;
  }

  private checkLength(length: number): void {
    if (length > this.maxChars)
      this.fail(
        `Record ${this.record} (line ${this.startLine}) is longer than ${this.maxChars} characters, the record-size limit of ${this.what}: the file is not read further. Raise "Max record size" if such records are expected.`,
        { record: this.record, line: this.startLine, maxRecordBytes: this.maxChars },
      );
  }

  /** Checks the array was closed. */
  end(): void {
    if (this.phase === Phase.Done) return;
    if (this.phase === Phase.Start) this.fail(`The file is empty: ${this.what} expects a JSON array ([] for no records).`, {});
    this.fail(
      `The JSON array ends too early (record ${this.phase === Phase.InValue ? this.record : this.record + 1}, line ${this.line}): the file is cut off or the closing ] is missing. Ask the partner for the complete file.`,
      { record: this.phase === Phase.InValue ? this.record : this.record + 1, line: this.line },
    );
  }
}
