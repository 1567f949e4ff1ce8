import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A throwaway self-signed certificate (a day long, EC P-256) for `altNames` (openssl's form: IP:127.0.0.1,
 * DNS:storage.test), written under `dir`: tests' https servers, trusted by whoever is given `cert` as a CA.
 */
export function selfSignedCertificate (dir: string, altNames = ['IP:127.0.0.1']): { key: Buffer, cert: Buffer, certFile: string } {
  const keyFile = join(dir, 'tls-key.pem')
  const certFile = join(dir, 'tls-cert.pem')
  const commonName = (altNames[0] ?? 'IP:127.0.0.1').replace(/^[A-Z]+:/, '')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${altNames.join(',')}`, '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' })
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile }
}
