/**
 * Request bodies: small JSON and form bodies (bounded), and the multipart upload parsed as a stream
 * (dev/sim/shared/multipart.ts: the `file` part to disk with backpressure while hashed, the other
 * parts held in memory only up to a small limit), failing with File 360's own 400.
 */
import type { IncomingMessage } from 'node:http';
import { Dropped, readBoundedBody, receivePlain } from '../shared/body';
import {
  MAX_FIELD_BYTES,
  boundaryOf as sharedBoundaryOf,
  dispositionOf as sharedDispositionOf,
  receiveMultipart as sharedReceiveMultipart,
  type ReceivedUpload,
} from '../shared/multipart';
import { badRequest } from './errors';

export { Dropped, receivePlain };

export const MAX_JSON_BODY = 64 * 1024;
export { MAX_FIELD_BYTES };

/** A small body; larger than `limit`: a 400. */
export async function readSmallBody(req: IncomingMessage, limit = MAX_JSON_BODY): Promise<Buffer> {
  const body = await readBoundedBody(req, limit);
  if (body === undefined) throw badRequest(`Request body larger than ${limit} bytes`);
  return body;
}

export type { ReceivedUpload };

/** `boundary` from `multipart/form-data; boundary=...` (quoted or not), or a 400. */
export const boundaryOf = (contentType: string | undefined): string => sharedBoundaryOf(contentType, badRequest);

/** A part's Content-Disposition (shared/multipart.ts), or a 400. */
export const dispositionOf = (header: string): { name?: string; filename?: string } => sharedDispositionOf(header, badRequest);

/** Parses a multipart/form-data body as it arrives (shared/multipart.ts), failing with File 360's 400. */
export function receiveMultipart(
  req: IncomingMessage,
  opts: { filePath: string; fileField: string; fields: readonly string[]; dropAt?: number },
): Promise<ReceivedUpload> {
  return sharedReceiveMultipart(req, { ...opts, fail: badRequest });
}
