import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec';
import { commandPath } from './prerequisites';

export interface PemFile {
  /** PEM text. */
  pem: string;
  /** Absolute path of the same PEM on disk. */
  path: string;
}

export interface CertificateAndKey {
  cert: PemFile;
  key: PemFile;
  /** SHA-256 fingerprint as Node's `getPeerCertificate().fingerprint256` gives it: `AB:CD:...`. */
  fingerprint256: string;
}

export interface TestCertificates {
  /** "FileBridge Test CA": trust this to accept `server`. */
  ca: CertificateAndKey;
  /** CN=localhost, SAN DNS:localhost and IP:127.0.0.1, signed by `ca`. */
  server: CertificateAndKey;
  /** An unrelated CA that signed nothing here: trusting it must not make `server` acceptable. */
  otherCa: CertificateAndKey;
  /** Self-signed CN=localhost (same SANs) that no CA vouches for. */
  selfSigned: CertificateAndKey;
  /** Folder holding all the files; removed by `dispose()` when `makeTestCertificates` created it. */
  dir: string;
  dispose(): Promise<void>;
}

const DAYS = '30';
const SERVER_EXTENSIONS = [
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature, keyEncipherment',
  'extendedKeyUsage = serverAuth',
  'subjectAltName = DNS:localhost, IP:127.0.0.1',
  '',
].join('\n');

async function openssl(args: string[]): Promise<string> {
  return run(commandPath({ command: 'openssl', aptPackage: 'openssl' }), args);
}

/**
 * Fingerprint from the openssl CLI, cross-checked against Node's own parser so a format drift in
 * either shows up here rather than as a baffling pin mismatch in a test.
 */
async function fingerprint256(certPath: string, pem: string): Promise<string> {
  const out = await openssl(['x509', '-noout', '-fingerprint', '-sha256', '-in', certPath]);
  // OpenSSL 3 prints "sha256 Fingerprint=AB:CD:..."; 1.1 printed "SHA256 Fingerprint=...".
  const value = out.trim().split('=')[1]?.toUpperCase();
  const fromNode = new X509Certificate(pem).fingerprint256;
  if (value !== fromNode) throw new Error(`openssl fingerprint ${String(value)} differs from Node's ${fromNode} for ${certPath}`);
  return fromNode;
}

async function load(certPath: string, keyPath: string): Promise<CertificateAndKey> {
  const [pem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  return { cert: { pem, path: certPath }, key: { pem: keyPem, path: keyPath }, fingerprint256: await fingerprint256(certPath, pem) };
}

async function selfSignedCa(dir: string, name: string, subject: string): Promise<CertificateAndKey> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    DAYS,
    '-subj',
    subject,
    '-keyout',
    key,
    '-out',
    cert,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return load(cert, key);
}

async function signedServer(dir: string, ca: CertificateAndKey): Promise<CertificateAndKey> {
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  await writeFile(ext, SERVER_EXTENSIONS);
  await openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', '/CN=localhost', '-keyout', key, '-out', csr]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert.path,
    '-CAkey',
    ca.key.path,
    '-CAcreateserial',
    '-sha256',
    '-days',
    DAYS,
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  return load(cert, key);
}

async function selfSignedServer(dir: string): Promise<CertificateAndKey> {
  const cert = join(dir, 'self-signed.crt');
  const key = join(dir, 'self-signed.key');
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    DAYS,
    '-subj',
    '/CN=localhost',
    '-keyout',
    key,
    '-out',
    cert,
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  return load(cert, key);
}

/** Makes a throwaway CA, a server certificate it signs, and unrelated certificates for refusal tests. */
export async function makeTestCertificates(options: { dir?: string } = {}): Promise<TestCertificates> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'filebridge-certs-')));
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const [ca, otherCa, selfSigned] = await Promise.all([
      selfSignedCa(dir, 'ca', '/CN=FileBridge Test CA'),
      selfSignedCa(dir, 'other-ca', '/CN=FileBridge Other Test CA'),
      selfSignedServer(dir),
    ]);
    const server = await signedServer(dir, ca);
    return {
      ca,
      server,
      otherCa,
      selfSigned,
      dir,
      dispose: async () => {
        if (ownDir) await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (ownDir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}
