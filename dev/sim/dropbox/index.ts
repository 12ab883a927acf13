export { startDropboxSim, type DropboxSim, type DropboxSimOptions, type DropboxSimStats, type DropboxSimState, type DropboxSimFile } from './server';
export { DEFAULT_FAULTS, type DropboxFaults } from './faults';
export { ContentHasher, BLOCK_SIZE } from './content-hash';
export { DEFAULT_ACCOUNT, HOME_FOLDERS, TEAM_FOLDERS, HOME_NAMESPACE_ID, TEAM_ROOT_NAMESPACE_ID } from './seed';
