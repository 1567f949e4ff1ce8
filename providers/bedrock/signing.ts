import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import type { UpstreamRequest } from '#upstream/http.js'
import type { ProviderConfig } from '#upstream/types.js'
import { signingCredential } from './credentials.js'

/** Bedrock's SigV4 service name (the runtime API's endpoints are bedrock-runtime.*, its signing name is not). */
const SERVICE = 'bedrock'
const sha256 = Hash.bind(null, 'sha256')

/**
 * A JSON POST to `path` (below the provider's base URL) signed with AWS Signature Version 4, as the AWS SDK signs
 * Bedrock calls: host, content type, accept, date, payload hash and session token are signed; the credential itself
 * travels only as the signature. `accept` is what the operation answers with (JSON, or the binary event stream).
 */
export async function signedRequest (provider: ProviderConfig, path: string, body: string, accept: string): Promise<UpstreamRequest> {
  const credential = signingCredential(provider)
  const base = new URL(provider.baseUrl)
  const signer = new SignatureV4({ service: SERVICE, region: credential.region, sha256, credentials: credential })
  const signed = await signer.sign({
    method: 'POST',
    protocol: base.protocol,
    hostname: base.hostname,
    ...(base.port !== '' ? { port: Number(base.port) } : {}),
    path: base.pathname.replace(/\/$/, '') + path,
    query: {},
    headers: { host: base.host, 'content-type': 'application/json', accept },
    body
  })
  // the HTTP client sets the same host from the base URL
  const { host: _host, ...headers } = signed.headers
  return { path, headers, body }
}
