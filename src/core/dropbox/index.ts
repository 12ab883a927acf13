/**
 * Dropbox as another remote kind behind the RemoteSession contract, plus the sign-in helpers of the
 * config node and the batch publisher. The `dropbox` SDK does sign-in, token refresh and the RPC
 * routes; the content routes (download, upload sessions) are streamed here, since the SDK holds
 * whole files in memory.
 */
export {
  DropboxTokens,
  accountOf,
  checkDropboxOptions,
  describeDropboxAccount,
  dropboxAuthorizeUrl,
  exchangeDropboxCode,
  pkcePair,
  type DropboxAccount,
  type DropboxOptions,
} from './auth';
export { DropboxBatchPublisher, type BatchItem, type BatchOptions, type BatchResult } from './batch';
export { DEFAULT_BATCH_IDLE_MS, DropboxCommitter, MAX_BATCH_ENTRIES, committerOf } from './committer';
export { DropboxClient, type RetryStats } from './client';
export {
  DROPBOX_HASH_BLOCK,
  DropboxContentHasher,
  DropboxContentHashStream,
  contentHashFromBlockDigests,
  contentHashOf,
  dropboxContentHash,
} from './content-hash';
export { dropboxFetch, headerSafeJson, mapDropboxFailure, normaliseServiceUrl, rewriteDropboxUrl, type FetchLike } from './http';
export { createDropboxPool, testDropboxConnection, type DropboxConnectionReport } from './pool';
export { DEFAULT_CHUNK_SIZE, DropboxSession, dropboxApiPath, openDropboxSession, type UploadedFile } from './session';
