import { Value } from '@sinclair/typebox/value'
import { BadRequestError, UpstreamAuthError } from '#errors.js'
import { maskSecret } from '#keys/secret-box.js'
import { AwsCredentialSecret, type AwsCredentialSecretType } from '#schemas/providers.js'
import type { ProviderConfig } from '#upstream/types.js'

/** An AWS credential ready for signing: the key pair, the session token if any, and the region. */
export interface AwsSigningCredential {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string | undefined
  region: string
}

/** The AWS credential a Bedrock secret holds (JSON text, schemas/providers.ts), or undefined when it holds none. */
function parse (secret: string): AwsCredentialSecretType | undefined {
  let value: unknown
  try {
    value = JSON.parse(secret)
  } catch {
    return undefined
  }
  return Value.Check(AwsCredentialSecret, value) ? value : undefined
}

const REGIONAL_HOST = /(?:^|\.)bedrock-runtime(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com$/

/** The region a Bedrock base URL names (https://bedrock-runtime.eu-west-1.amazonaws.com, VPC endpoints too). */
export function regionOfBaseUrl (baseUrl: string): string | undefined {
  return REGIONAL_HOST.exec(new URL(baseUrl).hostname)?.[1]
}

/**
 * The signing credential of a call. A secret that is not one (an administrator typed an API key) or has no region
 * anywhere is the configuration's fault: an auth failure an administrator must fix, naming no part of the secret.
 */
export function signingCredential (provider: ProviderConfig): AwsSigningCredential {
  const credential = provider.apiKey === undefined ? undefined : parse(provider.apiKey)
  if (credential === undefined) {
    throw new UpstreamAuthError(`Provider ${provider.id} has no usable AWS credential (an access key id and secret access key); an administrator must fix the provider configuration.`)
  }
  const region = credential.region ?? regionOfBaseUrl(provider.baseUrl)
  if (region === undefined) {
    throw new UpstreamAuthError(`Provider ${provider.id} has no AWS region: give the credential a region, or use a base URL like https://bedrock-runtime.<region>.amazonaws.com.`)
  }
  return { ...credential, region }
}

/** Checks a Bedrock secret an administrator enters (400 when malformed) and answers its hint: the access key id, masked. */
export function awsCredentialHint (secret: string): string {
  const credential = parse(secret)
  if (credential === undefined) {
    throw new BadRequestError('A Bedrock credential is JSON text {"accessKeyId","secretAccessKey","sessionToken"?,"region"?}: an AWS access key id (capital letters and digits), its secret access key, optionally a session token and the region.')
  }
  return maskSecret(credential.accessKeyId)
}
