// A throwaway self-signed certificate for loopback test servers, made with the openssl CLI
// (Node's crypto can parse X.509 certificates but not create them).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  /** PEM private key (P-256). */
  key: string;
  /** PEM certificate; also the CA to trust, since it signs itself. */
  cert: string;
}

const cache = new Map<string, TestCertificate>();

/** A certificate valid for `ip` (subjectAltName IP), for two days. Made once per process and address. */
export function selfSignedCertificate(ip = '127.0.0.1'): TestCertificate {
  const cached = cache.get(ip);
  if (cached !== undefined) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'kigen-tls-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          keyPath,
          '-out',
          certPath,
          '-days',
          '2',
          '-subj',
          `/CN=${ip}`,
          '-addext',
          `subjectAltName=IP:${ip}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (error) {
      throw new Error(
        'cannot create a test certificate: is the openssl command (OpenSSL ≥ 1.1.1) installed?',
        {
          cause: error,
        },
      );
    }
    const certificate = { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
    cache.set(ip, certificate);
    return certificate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
