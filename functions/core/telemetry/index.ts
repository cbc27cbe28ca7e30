export * from './envelope';
export * from './schema';
