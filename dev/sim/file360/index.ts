export {
  startFile360Sim,
  type File360Sim,
  type File360SimOptions,
  type File360SimStats,
  type File360SimState,
  type File360SimFolder,
  type File360SimDocument,
  type File360SimCollaborator,
} from './server';
export { DEFAULT_FAULTS, QUIET_FAULTS, type File360Faults } from './faults';
export { SEED_FOLDERS, SEED_GROUPS } from './seed';
export { TWO_POW_53 } from './store';
export { MAX_LIMIT, DEFAULT_LIMIT, contentDisposition } from './routes-resources';
