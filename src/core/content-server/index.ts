export { ContentServerClient, type ContentServerClientOptions, type CsUser, type AttributeFilter } from './client';
export type { CsAuth } from './auth';
export { CsHttp, type CsHttpOptions, type CsRequest, type Download, type RetryPolicy } from './http';
export { NodeApi, NODE_TYPE, type CsNode, type CsVersion, type ChildQuery, type DocumentInput } from './nodes';
export { PathResolver, parseTarget } from './paths';
export { browseFolder, pickerCategories, pathOf, BROWSE_LIMIT, type BrowseResult, type BrowseEntry, type BrowseFolder, type PickerCategory } from './browse';
export { counterName, type CollisionPolicy, type UploadRequest, type UploadResult, type VersionRequest } from './upload';
export { parseCsDate } from './envelopes';
export {
  CategoryCatalog,
  parseCategoryMetadata,
  parseCategoryDefinitions,
  appliedCategoryIds,
  resolveCategoryValues,
  namedCategoryValues,
  type CategoryDefinition,
  type AttributeDefinition,
  type CategoryInput,
} from './categories';
export { Governance, PERMISSIONS, type Permission, type ApplyTo, type Hold, type Member, type Classification } from './governance';
export { Workspaces, Workflows, nestCategories, type BusinessObject, type WorkspaceCreate, type WorkspaceQuery, type WorkflowStart } from './workspaces';
export { changedSince, nextMark, type Change, type ChangesQuery } from './changes';
export { LargeFileUploads, type LargeFileSettings } from './large-upload';
export { search, type SearchQuery } from './search';
export { WorkspaceLocator, parseWorkspaceTarget, folderWithin, type WorkspaceTarget, type LocatedWorkspace } from './workspace-target';
export {
  applyTarget,
  prepareGovernance,
  parseGovernanceTarget,
  type GovernanceTarget,
  type AppliedTarget,
  type ApplyTargetOptions,
  type PermissionGrant,
  type WorkflowTarget,
} from './apply-target';
export { runCsAction, CS_ACTIONS, isCsAction, summarize, type CsAction, type CsActionRequest, type CsActionOutcome, type Param } from './action-request';
export { advanceMark, describeQuery, markKey, readMark, type ExportMark, type ExportMarks, type ExportQueryShape } from './export-mark';
export { readAll, trackStream, type Delivered, type TrackedStream } from './export-delivery';
export {
  listChanges,
  runChanges,
  runDocument,
  type ChangesRun,
  type DocumentRun,
  type DeliveredEntry,
  type ExportClient,
  type ExportedDocument,
  type ExportedFacts,
  type ExportError,
  type ExportHooks,
  type ExportSettings,
  type ExportSummary,
  type RunOutcome,
  type SkippedEntry,
} from './export-run';
export { FlowFailure, REFUSED_FOR_GOOD, type OnRefusal } from './export-refusal';
