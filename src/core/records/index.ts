export * from './partner-format';
export { readRecordBatches, type RecordBatch, type ReadRecordsOptions } from './record-reader';
export { formatRecords } from './record-writer';
