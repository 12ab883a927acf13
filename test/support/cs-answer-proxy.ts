import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

type LosingProxy = { handler: (req: IncomingMessage, res: ServerResponse) => void; dropped: () => number };

/**
 * A request handler for a proxy before the Content Server simulator at `simUrl` that passes
 * everything through, except that it drops the answer to the first POST whose path `matches`: the
 * request is done on the server, the client sees its connection break and retries.
 */
export function losingFirstAnswer(simUrl: string, matches: (path: string) => boolean): LosingProxy {
  const target = new URL(simUrl);
  let dropped = 0;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const upstream = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      if (req.method === 'POST' && matches(req.url ?? '') && dropped === 0) {
        dropped++;
        answer.resume();
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  };
  return { handler, dropped: () => dropped };
}

/** The answer to the first document create (`POST .../v2/nodes`) is lost. */
export function losingFirstCreateAnswer(simUrl: string): LosingProxy {
  return losingFirstAnswer(simUrl, (path) => path.endsWith('/v2/nodes'));
}
