export * from './create-session.js';
export * from './read-session.js';
export * from './session-writer.js';
export * from './session-lock.js';
export * from './sweep-dead-sessions.js';
