/**
 * THE ONE TABLE of the File 360 REST contract: every path, query parameter and field name the client
 * sends or reads is here, and nowhere else. A tenant whose API differs is served by changing this
 * module only (the README says which contract the nodes speak).
 *
 * The contract is the OpenText cloud file-sharing API as OpenText's own automation library calls it
 * for OpenText Core Share (pyxecm, `pyxecm/coreshare.py`, github.com/opentext/pyxecm), written up in
 * shared/reference/file360-rest.md. Entries marked "(unverified)" there are kept as written there.
 */

/** Encodes one path segment (ids are digits, but an id from a message is untrusted input). */
const seg = (id: string): string => encodeURIComponent(id);

export const F360_DEFAULT_API_URL = 'https://core.opentext.com';
export const F360_DEFAULT_SSO_URL = 'https://sso.core.opentext.com';

/** OAuth2 token endpoint on the SSO host (OTDS), form-encoded, as pyxecm `authenticate_user` posts it. */
export const F360_TOKEN = {
  path: '/otdsws/oauth2/token',
  grantClientCredentials: 'client_credentials',
  grantPassword: 'password',
  form: { grantType: 'grant_type', clientId: 'client_id', clientSecret: 'client_secret', username: 'username', password: 'password' },
  answer: { accessToken: 'access_token', tokenType: 'token_type', expiresIn: 'expires_in', error: 'error', errorDescription: 'error_description' },
} as const;

/** Query parameter names of the children listing (`?limit=25&offset=0&order=lastModified:desc&filter=any`). */
export const F360_CHILDREN_QUERY = { limit: 'limit', offset: 'offset', order: 'order', filter: 'filter', filterAny: 'any' } as const;
export const F360_DEFAULT_ORDER = 'lastModified:desc';

/** Query parameter of the upload naming the collision strategy, and its values. */
export const F360_UPLOAD_QUERY = { collisionStrategy: 'collisionStrategy' } as const;
export const F360_COLLISION_STRATEGIES = ['overwrite', 'rename', 'fail'] as const;
/** Multipart field names of the upload. */
export const F360_UPLOAD_FIELDS = { parentId: 'parentId', file: 'file' } as const;

/** Query parameters of the searches (pyxecm `search_users`: `?q=..&pageSize=100`; `search_groups`: `?q=..`). */
export const F360_SEARCH_QUERY = { q: 'q', pageSize: 'pageSize' } as const;

/** Every route: method and path. Paths are relative to the API base URL (`apiUrl`). */
export const F360_ROUTES = {
  me: { method: 'GET', path: () => '/api/v1/users/me' },
  children: { method: 'GET', path: (folderId: string) => `/api/v1/folders/${seg(folderId)}/children` },
  createFolder: { method: 'POST', path: () => '/api/v1/folders' },
  upload: { method: 'POST', path: () => '/api/v3/documents' },
  document: { method: 'GET', path: (id: string) => `/api/v1/documents/${seg(id)}` },
  content: { method: 'GET', path: (id: string) => `/api/v1/documents/${seg(id)}/content` },
  moveDocument: { method: 'PUT', path: (id: string) => `/api/v1/documents/${seg(id)}` },
  deleteDocument: { method: 'PUT', path: (id: string) => `/api/v1/documents/${seg(id)}` },
  deleteFolder: { method: 'PUT', path: (id: string) => `/api/v1/folders/${seg(id)}` },
  share: { method: 'POST', path: (folderId: string) => `/api/v1/folders/${seg(folderId)}/collaborators` },
  collaborators: { method: 'GET', path: (folderId: string) => `/api/v1/folders/${seg(folderId)}/collaborators` },
  unshareAll: { method: 'DELETE', path: (folderId: string) => `/api/v1/folders/${seg(folderId)}/collaborators` },
  unshareOne: { method: 'DELETE', path: (folderId: string, who: string) => `/api/v1/folders/${seg(folderId)}/collaborators/${seg(who)}` },
  /** pyxecm `search_groups`: `GET /search/v1/user/group-all?q=` -> `{results, total}`. */
  searchGroups: { method: 'GET', path: () => '/search/v1/user/group-all' },
  /** The user search of the reference (`GET /search/v1/user?q=`). */
  searchUsers: { method: 'GET', path: () => '/search/v1/user' },
} as const;

export type F360RouteName = keyof typeof F360_ROUTES;

/** Request bodies (JSON). */
export const F360_BODIES = {
  createFolder: (name: string, parentId: string) => ({ name, parentId }),
  move: (parentId: string) => ({ parentId }),
  /** Delete = move to the trash, as pyxecm `delete_folder` / `delete_document` do. */
  delete: () => ({ state: 'deleted' }),
  share: (id: string, type: F360PrincipalType, role: F360Role) => ({ id, type, role }),
} as const;

export type F360PrincipalType = 'user' | 'group';
export const F360_ROLES = ['viewer', 'editor', 'owner'] as const;
export type F360Role = (typeof F360_ROLES)[number];

/** Field names of the answers. */
export const F360_FIELDS = {
  /** A listing is a bare array or wrapped in this field (pyxecm reads `results`). */
  results: 'results',
  resource: {
    id: 'id',
    name: 'name',
    size: 'size',
    created: 'created',
    lastModified: 'lastModified',
    parentId: 'parentId',
    resourceType: 'resourceType',
    isShared: 'isShared',
    shareCount: 'shareCount',
    childCount: 'childCount',
  },
  /** `resourceType` values. pyxecm's `userRoot` example shows the root as `resourceType: 1` (a number). */
  resourceTypes: { folder: ['folder', 1], document: ['document', 2] },
  me: { id: 'id', rootId: 'rootId', email: 'email', displayName: 'displayName', firstName: 'firstName', lastName: 'lastName' },
  principal: { id: 'id', type: 'type', name: 'name', displayName: 'displayName', email: 'email', firstName: 'firstName', lastName: 'lastName' },
  collaborator: { id: 'id', type: 'type', role: 'role', name: 'name', displayName: 'displayName', email: 'email' },
  /** Other wrappers a collaborator listing may use (unverified: the reference names none). */
  collaboratorLists: ['results', 'collaborators'],
  error: { error: 'error', message: 'message' },
} as const;

/** Headers OpenText's own client sends on every API call (pyxecm `request_header_user`). */
export const F360_HEADERS = { authorization: 'Authorization', bearer: 'Bearer', retryAfter: 'retry-after', contentDisposition: 'content-disposition' } as const;
