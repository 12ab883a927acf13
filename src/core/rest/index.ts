export * from './client';
export * from './errors';
export * from './paging';
export * from './rest-config';
export { proxyFromEnv, noProxyMatches } from './proxy-agent';
