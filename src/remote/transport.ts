/** What the host asks of a sandbox provider (docs/remote-transports.md): create, upload, start, download, kill. */
export interface SandboxRequest {
  /** vCPUs. */
  cpu: number;
  /** Memory in MiB. */
  memoryMb: number;
  /** Lifetime of the sandbox in ms; renewed while the run is alive. */
  timeoutMs: number;
  /** Provider template (E2B) or undefined for the default. */
  template: string | undefined;
  /** Tags, e.g. `{ osiris_session: 'run_…' }`. */
  metadata: Record<string, string>;
}

/** A file to put into the sandbox from memory (small texts: manifest, cfg, commands). */
export interface UploadBytes {
  /** Relative path inside the sandbox work directory. */
  path: string;
  /** Contents. */
  data: string | Uint8Array;
}

/** A host file streamed into the sandbox (worker bundle, input files of any size: never read whole). */
export interface UploadHostFile {
  /** Relative path inside the sandbox work directory. */
  path: string;
  /** Absolute path of the file on the host. */
  source: string;
}

/** A file to put into the sandbox, relative to its work directory. */
export type UploadFile = UploadBytes | UploadHostFile;

/** A process running in the sandbox with piped stdio. */
export interface SandboxProcess {
  /** Write to stdin; calls are delivered in order. */
  write(data: string): Promise<void>;
  /** Close stdin. */
  closeStdin(): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal or the stream dropped). */
  readonly exited: Promise<number | null>;
  /** Kill the process. */
  kill(): Promise<void>;
}

/** Callbacks for a started process's output. */
export interface ProcessOutput {
  /** A chunk of stdout (UTF-8, arbitrary boundaries). */
  onStdout(chunk: string): void;
  /** A chunk of stderr. */
  onStderr(chunk: string): void;
}

/** A live sandbox. */
export interface Sandbox {
  /** Provider's id. */
  readonly id: string;
  /** Absolute work directory inside the sandbox. */
  readonly workDir: string;
  /** Upload files (streamed, binary-safe). */
  upload(files: UploadFile[]): Promise<void>;
  /** Start a command in the work directory with this environment (no secrets ever). */
  start(command: string[], env: Record<string, string>, output: ProcessOutput): Promise<SandboxProcess>;
  /** Download one file (relative to workDir) as a byte stream. */
  download(path: string): Promise<AsyncIterable<Uint8Array>>;
  /** Extend the sandbox lifetime. */
  keepAlive(timeoutMs: number): Promise<void>;
  /** Destroy the sandbox; idempotent. */
  kill(): Promise<void>;
}

/** A sandbox provider. */
export interface Transport {
  /** `e2b` or `local`. */
  readonly name: string;
  /** Create a sandbox. */
  create(request: SandboxRequest): Promise<Sandbox>;
}
