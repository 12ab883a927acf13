/*
 * The engine without Node-RED: what the nodes use, usable from plain Node.js scripts too
 * (`require('node-red-contrib-ecm-filebridge')`).
 */
export * from './errors';
export * from './paths';
export { createPool, openSession, testConnection, type ConnectionReport } from './remote/connect';
export * from './remote/operations';
export { SessionPool, type PoolOptions, type PoolState, type Lease } from './remote/session-pool';
export type { ServerOptions } from './remote/server-options';
export type { Protocol, RemoteEntry, RemoteSession } from './remote/types';
export * as contentServer from './content-server';
export * as dropbox from './dropbox';
export * as file360 from './file360';
export * as rest from './rest';
export * as validate from './validate';
export * as mapping from './mapping';
export * as records from './records';
