export * from './envelope';
export * from './redact';
export * from './schema';
