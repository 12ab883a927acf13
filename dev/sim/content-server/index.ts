export { startContentServerSim, type ContentServerSim, type ContentServerSimOptions, type SimStats } from './server';
export { DEFAULT_FAULTS, type Faults, type ScriptedAnswer } from './faults';
export { DEFAULT_SEED, loadSeed, type Seed } from './seed';
export { ContentStore, type SimNode, type SimVersion } from './store';
export { Extras, PERMISSIONS, type LargeFileSettings } from './extras';
