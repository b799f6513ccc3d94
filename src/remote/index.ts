// The sandbox entry of the library (`import … from 'osiris-pipeline/remote'`): a remote adapter for
// runPipeline's createAdapter and the two transports. Kept apart from the main entry because the E2B
// SDK loads with it.
export { createRemoteAdapter } from './remote-adapter.js';
export type { RemoteAdapterOptions } from './remote-adapter.js';
export { createLocalTransport } from './transports/local-transport.js';
export type { LocalTransportOptions } from './transports/local-transport.js';
export { createE2bTransport } from './transports/e2b-transport.js';
export type { E2bTransportOptions } from './transports/e2b-transport.js';
export type {
  Sandbox,
  SandboxProcess,
  SandboxRequest,
  Transport,
  UploadBytes,
  UploadFile,
  UploadHostFile,
} from './transport.js';
export { createSandboxPool, createSingleUseSandboxes } from './sandbox-pool.js';
export type { ReleaseResult, SandboxLease, SandboxSource } from './sandbox-pool.js';
