/**
 * A throwaway self-signed certificate for the Kubernetes API simulation (openssl), valid for
 * 127.0.0.1 and localhost. @kubernetes/client-node refuses plain http unless the kubeconfig skips
 * TLS verification, and in-cluster configuration always verifies against the service account's
 * `ca.crt`, so the simulation serves https like a real API server.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SimTls {
  /** PEM certificate; also the CA to trust (self-signed). */
  cert: string;
  key: string;
}

export function selfSignedTls(): SimTls {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbtune-k8s-tls-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
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
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=kube-apiserver-sim',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
