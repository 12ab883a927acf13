import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import type { ContentCheck, ValidationError } from './types';

/**
 * Well-formedness only (no DTD or schema validation), streamed through saxes: the first error is
 * reported with its line and column, and parsing stops there.
 */
export function xmlCheck(): ContentCheck {
  let parser: SaxesParser | undefined = new SaxesParser({ position: true });
  const decoder = new StringDecoder('utf8');
  let error: ValidationError | undefined;
  parser.on('error', (err) => {
    if (error) return;
    error = {
      rule: 'xml',
      reason: `The file is not well-formed XML: ${err.message.replace(/^undefined:/, '').trim()}`,
      line: parser?.line,
      column: parser?.column,
    };
  });
  const feed = (text: string, close: boolean): void => {
    if (!parser || error) return;
    if (text) parser.write(text);
    if (close && !error) parser.close();
    if (error) parser = undefined;
  };
  return {
    update(chunk) {
      feed(decoder.write(chunk), false);
    },
    finish() {
      feed(decoder.end(), true);
      parser = undefined;
      return error ? [error] : [];
    },
    abort() {
      parser = undefined;
    },
  };
}
