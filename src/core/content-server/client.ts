/**
 * The Content Server client a node or flow uses: one connection (base URL, credentials, ticket,
 * path cache) and the operations on it.
 */
import { isObject } from './envelopes';
import { CsHttp, type CsHttpOptions, type Download } from './http';
import { NodeApi, type CsNode, type CsVersion } from './nodes';
import { PathResolver } from './paths';
import { Uploader, type UploadRequest, type UploadResult } from './upload';

export type ContentServerClientOptions = CsHttpOptions;

export interface CsUser {
  id: number;
  name: string;
}

export class ContentServerClient {
  readonly http: CsHttp;
  readonly nodes: NodeApi;
  readonly paths: PathResolver;
  private readonly uploader: Uploader;

  constructor(options: ContentServerClientOptions) {
    this.http = new CsHttp(options);
    this.nodes = new NodeApi(this.http);
    this.paths = new PathResolver(this.nodes);
    this.uploader = new Uploader(this.nodes, this.paths);
  }

  /** Server build and version, without logging in (`GET /v1/ping`). */
  async ping(): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.http.baseUrl}/v1/ping`);
    const body: unknown = await res.json();
    return isObject(body) ? body : {};
  }

  /** The user the connection acts as; logs in if needed. */
  async whoami(): Promise<CsUser> {
    const body = await this.http.json({ method: 'GET', path: '/v1/auth' });
    const data = isObject(body) && isObject(body.data) ? body.data : {};
    return { id: typeof data.id === 'number' ? data.id : -1, name: typeof data.name === 'string' ? data.name : '' };
  }

  resolveFolder(target: string | number, options: { create?: boolean } = {}): Promise<number> {
    return this.paths.resolve(target, options);
  }

  getNode(id: number): Promise<CsNode> {
    return this.nodes.get(id);
  }

  upload(req: UploadRequest): Promise<UploadResult> {
    return this.uploader.upload(req);
  }

  versions(id: number): Promise<CsVersion[]> {
    return this.nodes.versions(id);
  }

  download(id: number, version?: number): Promise<Download> {
    return this.nodes.download(id, version);
  }

  async close(): Promise<void> {
    await this.http.logout().catch(() => undefined);
  }
}
