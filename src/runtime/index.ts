export * from './execute-step.js';
export * from './local-adapter.js';
export * from './parse-step-config.js';
export * from './register-drivers.js';
export * from './run-manifest.js';
export * from './step-runner.js';
export * from './run-state.js';
