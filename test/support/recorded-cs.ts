/**
 * A tiny HTTP server that answers a Content Server client with recorded answers, for unit tests that
 * feed the real client (request building and answer reading together) answers in the shape a real
 * server gives, without the simulator: a simulator change must never again teach the client a shape.
 * Answers are keyed `METHOD /path` (below the API base, no query); anything else answers as the real
 * server does for an unknown route (400, "could not be found in the mappings registry").
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ContentServerClient, type ContentServerClientOptions } from '../../src/core/content-server';

export interface RecordedRequest {
  method: string;
  /** Below the API base, without the query. */
  path: string;
  query: URLSearchParams;
  /** Form fields of a form-encoded request; the nested payload is in `body`. */
  form: Record<string, string>;
  /** The parsed `body` form field, if there was one. */
  body: unknown;
  /** The `OTCSTicket` header sent. */
  ticket: string | undefined;
  /** Bytes of the request body (multipart requests are not parsed). */
  size: number;
}

export type RecordedAnswer = unknown | { status: number; json: unknown } | ((req: RecordedRequest) => unknown);

export interface RecordedServer {
  apiBase: string;
  requests: RecordedRequest[];
  /** A client of this server with a pre-issued ticket and no retries. */
  client(options?: Partial<ContentServerClientOptions>): ContentServerClient;
  close(): Promise<void>;
}

const API = '/otcs/cs.exe/api';

function isStatusAnswer(a: unknown): a is { status: number; json: unknown } {
  return typeof a === 'object' && a !== null && 'status' in a && 'json' in a && typeof (a as { status: unknown }).status === 'number';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

export async function recordedServer(answers: Record<string, RecordedAnswer>): Promise<RecordedServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://recorded');
      const text = await readBody(req);
      const form: Record<string, string> = {};
      if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        for (const [k, v] of new URLSearchParams(text)) form[k] = v;
      }
      const path = url.pathname.startsWith(API) ? url.pathname.slice(API.length) : url.pathname;
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path,
        query: url.searchParams,
        form,
        body: form.body ? JSON.parse(form.body) : undefined,
        ticket: typeof req.headers.otcsticket === 'string' ? req.headers.otcsticket : undefined,
        size: Buffer.byteLength(text),
      };
      requests.push(recorded);
      let answer: unknown = answers[`${recorded.method} ${path}`];
      if (typeof answer === 'function') answer = (answer as (r: RecordedRequest) => unknown)(recorded);
      const { status, json } =
        answer === undefined
          ? { status: 400, json: { error: 'The REST API URL could not be found in the mappings registry' } }
          : isStatusAnswer(answer)
            ? answer
            : { status: 200, json: answer };
      const out = JSON.stringify(json);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(out)) });
      res.end(out);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}${API}`;
  return {
    apiBase,
    requests,
    client: (options = {}) => new ContentServerClient({ baseUrl: apiBase, auth: { kind: 'ticket', ticket: 'recorded' }, retry: { retries: 0 }, ...options }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `{"links":..,"results":{"data":..}}`: a v2 one-item answer. */
export function v2One(data: unknown): unknown {
  return { links: { data: { self: { body: '', content_type: '', href: '', method: 'GET', name: '' } } }, results: { data } };
}

/** A v2 collection with `collection.paging` (one page unless told otherwise). */
export function v2Collection(rows: unknown[], paging: Partial<{ page: number; limit: number; total_count: number; page_total: number }> = {}): unknown {
  const total = paging.total_count ?? rows.length;
  return {
    links: { data: {} },
    results: rows,
    collection: {
      paging: {
        page: 1,
        limit: Math.max(1, rows.length),
        total_count: total,
        page_total: 1,
        range_min: rows.length ? 1 : 0,
        range_max: rows.length,
        ...paging,
      },
      sorting: { sort: [{ key: 'sort', value: 'asc_id' }] },
    },
  };
}
