export * from './compare-sessions.js';
export { formatCount } from './format-values.js';
export * from './format-comparison.js';
export * from './normalize-session.js';
export * from './render-comparison-report.js';
export * from './render-session-index.js';
export * from './render-session-report.js';
export * from './summarize-session.js';
