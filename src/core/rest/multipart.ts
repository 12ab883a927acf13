/**
 * A multipart/form-data body (RFC 7578) streamed: text fields, then one file part whose content is
 * piped from a stream (never held in memory). Content-Length is known when the file's size is.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../errors';

export interface MultipartSpec {
  field: string;
  filename: string;
  contentType?: string;
  fields?: Record<string, string>;
  size?: number;
}

/** Quotes a parameter value as HTML's form submission does (RFC 7578 4.2 defers to it): ", CR, LF percent-encoded. */
function quoteParam(value: string): string {
  return value.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

export function multipartLayout(spec: MultipartSpec): { boundary: string; head: Buffer; tail: Buffer; contentType: string; length?: number } {
  const boundary = `----filebridge-${randomBytes(12).toString('hex')}`;
  let head = '';
  for (const [name, value] of Object.entries(spec.fields ?? {})) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoteParam(name)}"\r\n\r\n${value}\r\n`;
  }
  const type = spec.contentType ?? 'application/octet-stream';
  // eslint-disable-next-line no-control-regex
  if (/[\r\n\u0000]/.test(type)) throw new FileBridgeError('INVALID_INPUT', 'The multipart content type holds a line break.');
  head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoteParam(spec.field)}"; filename="${quoteParam(spec.filename)}"\r\nContent-Type: ${type}\r\n\r\n`;
  const headBuf = Buffer.from(head, 'utf8');
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  const out: { boundary: string; head: Buffer; tail: Buffer; contentType: string; length?: number } = {
    boundary,
    head: headBuf,
    tail,
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
  if (spec.size !== undefined) out.length = headBuf.length + spec.size + tail.length;
  return out;
}

/** The multipart body around `file`, pulled as the request is sent. */
export function multipartStream(layout: { head: Buffer; tail: Buffer }, file: Readable): Readable {
  async function* parts(): AsyncGenerator<Buffer> {
    yield layout.head;
    for await (const chunk of file) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    yield layout.tail;
  }
  const out = Readable.from(parts(), { objectMode: false });
  out.on('close', () => {
    if (!file.destroyed) file.destroy();
  });
  return out;
}
