// envd service descriptors, extracted at runtime from the installed `e2b` bundle, so the fake always
// speaks exactly the schema of the SDK under test (no generated code to drift). It relies on a bundle
// internal (the `fileDesc("<base64>")` literals); if an SDK upgrade changes that, loadEnvdServices fails
// loudly and the fallback is our own minimal .proto (same package, service and field numbers).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DescService } from '@bufbuild/protobuf';
import { fileDesc } from '@bufbuild/protobuf/codegenv2';
import { file_google_protobuf_timestamp } from '@bufbuild/protobuf/wkt';

/** The two envd Connect services the SDK calls. */
export interface EnvdServices {
  /** `process.Process`. */
  process: DescService;
  /** `filesystem.Filesystem`. */
  filesystem: DescService;
}

let cached: EnvdServices | undefined;

/** Load `process.Process` and `filesystem.Filesystem` from the installed e2b bundle. */
export function loadEnvdServices(): EnvdServices {
  if (cached) return cached;
  const entry = createRequire(import.meta.url).resolve('e2b');
  const bundlePath = join(dirname(entry), 'index.mjs');
  const text = readFileSync(bundlePath, 'utf8');
  const byName = new Map<string, string>();
  for (const m of text.matchAll(/fileDesc\)?\(\s*"([A-Za-z0-9+/=]+)"/g)) {
    const b64 = m[1] as string;
    // The first field of a FileDescriptorProto is its file name, e.g. "process/process.proto".
    const head = Buffer.from(b64.slice(0, 64), 'base64').toString('latin1');
    const name = /[a-z_]+\/[a-z_]+\.proto/.exec(head)?.[0];
    if (name) byName.set(name, b64);
  }
  const processB64 = byName.get('process/process.proto');
  const filesystemB64 = byName.get('filesystem/filesystem.proto');
  if (!processB64 || !filesystemB64) {
    throw new Error(
      `fake envd: could not find the process/filesystem descriptors in ${bundlePath} ` +
        `(found: ${[...byName.keys()].join(', ') || 'none'}); the e2b bundle layout changed`,
    );
  }
  const processFile = fileDesc(processB64);
  const filesystemFile = fileDesc(filesystemB64, [file_google_protobuf_timestamp]);
  const process = processFile.services.find((s) => s.typeName === 'process.Process');
  const filesystem = filesystemFile.services.find((s) => s.typeName === 'filesystem.Filesystem');
  if (!process || !filesystem)
    throw new Error('fake envd: descriptors lack process.Process or filesystem.Filesystem');
  cached = { process, filesystem };
  return cached;
}
