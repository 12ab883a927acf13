/**
 * File 360 (the OpenText cloud file-sharing API, as OpenText's own client calls it for Core Share):
 * the REST contract in one table (contract.ts), the client (token, retries, paging, streamed upload
 * and download, folder paths by name, sharing), and Test connection.
 */
export * from './contract';
export { File360Tokens, parseToken } from './auth';
export {
  File360Client,
  folderPathParts,
  openFile360Client,
  testFile360Connection,
  type CollisionStrategy,
  type File360ConnectionReport,
  type File360Download,
  type File360Options,
  type PrincipalRef,
  type ShareRequest,
  type UploadOptions,
} from './client';
export { mapF360Failure, retryAfterMs, safeF360Text } from './errors';
export { dispositionFilename, type F360Stats } from './http';
export { parseF360Json, quoteUnsafeIntegers, MAX_JSON_BYTES } from './json';
export { multipartLayout, multipartStream, UploadSource } from './multipart';
export type { File360Collaborator, File360Principal, File360Resource, File360User } from './resources';
export { File360Session, createFile360Pool, file360PathParts, type Reopenable } from './session';
