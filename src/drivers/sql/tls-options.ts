/**
 * TLS settings shared by the database clients, in libpq's terms (MySQL's `ssl_mode` names map onto
 * them): `prefer` tries TLS and falls back to plain, `require` encrypts without checking the
 * certificate, `verify-ca` checks its chain, `verify-full` its chain and host name.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { OsirisError } from '../../core/index.js';

export const TLS_LEVELS = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type TlsLevel = (typeof TLS_LEVELS)[number];

/** What a client needs to know about TLS. */
export interface TlsChoice {
  /** The level in effect. */
  level: TlsLevel;
  /** Encrypt at all. */
  encrypt: boolean;
  /** Check that the certificate chains to a trusted CA (`ca` when given, else the system's). */
  verifyChain: boolean;
  /** Check that the certificate names the host. */
  verifyHost: boolean;
  /** The CA certificate (PEM) to trust, when given. */
  ca: string | undefined;
  /** A server that refuses TLS may be asked again without it. */
  fallbackToPlain: boolean;
}

/** Loopback or a Unix socket: where a default of TLS makes no sense. */
export function isLocalHost(host: string | undefined): boolean {
  return (
    host === undefined ||
    host === '' ||
    host === 'localhost' ||
    host === '127.0.0.1' ||
    host === '::1' ||
    host === '[::1]' ||
    host.startsWith('/')
  );
}

/**
 * PEM text as given, or the file it names: an absolute path, so it means the same in a sandbox, where
 * the host's file arrives in `files` (ResolvedConnection.files).
 */
export function readCaCertificate(
  value: string,
  label: string,
  key: string,
  files: Readonly<Record<string, string>> = {},
): string {
  if (value.trimStart().startsWith('-----BEGIN')) return checkCertificates(value, label, key, 'the PEM text');
  if (!isAbsolute(value))
    throw new OsirisError(
      'connection_error',
      `${label}: '${key}' must be PEM text or an absolute file path, got '${value}'`,
    );
  const carried = files[value];
  if (carried !== undefined) return checkCertificates(carried, label, key, value);
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (error) {
    throw new OsirisError(
      'connection_error',
      `${label}: cannot read ${key} ${value}: ${(error as Error).message}`,
    );
  }
  return checkCertificates(text, label, key, value);
}

/**
 * The PEM text when every certificate block in it parses. Node's TLS skips a block it cannot read, so a
 * damaged CA file surfaced only as "self-signed certificate" at connect; here it is named.
 */
function checkCertificates(pem: string, label: string, key: string, shown: string): string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const fail = (why: string): never => {
    throw new OsirisError('connection_error', `${label}: ${key} ${shown} ${why} (expected PEM certificates)`);
  };
  if (blocks.length === 0) fail('holds no certificate (no -----BEGIN CERTIFICATE----- block)');
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      fail(`has a certificate that does not parse (block ${i + 1} of ${blocks.length})`);
    }
  });
  return pem;
}

/** The TLS choice for a level; like libpq, `require` with a CA certificate verifies the chain. */
export function chooseTls(level: TlsLevel, ca: string | undefined): TlsChoice {
  const verifyHost = level === 'verify-full';
  return {
    level,
    encrypt: level !== 'disable',
    verifyChain: verifyHost || level === 'verify-ca' || (level === 'require' && ca !== undefined),
    verifyHost,
    ca,
    fallbackToPlain: level === 'prefer',
  };
}
