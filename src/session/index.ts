export * from './create-session.js';
export * from './read-session.js';
export * from './session-writer.js';
