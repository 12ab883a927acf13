export {
  startRestSim,
  MAX_JSON_BODY,
  type RestSim,
  type RestTarget,
  type RestSimOptions,
  type RestSimStats,
  type RestSimState,
  type StateQuery,
  type RecordListing,
} from './server';
export { DEFAULT_FAULTS, QUIET_FAULTS, type RestFaults } from './faults';
export type { AuthMode } from './auth';
export { MAX_BATCH_RECORDS, MAX_PAGE, contentDisposition, type MediaItem } from './routes';
export { seedProduct, seedSku, price, inventoryChange, shipment, partner, type RestSeed } from './seed';
export { backupStream, digestHeader, type Backup } from './backups';
