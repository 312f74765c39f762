export * from './ack.js';
export * from './backoff.js';
export * from './command.js';
export * from './diff.js';
