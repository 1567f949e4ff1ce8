import { createPublicKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Config } from '#config.js'
import { ConfigError } from '#errors.js'
import { jwtAlgorithmProblem } from './jwt-algorithms.js'

type JwtConfig = Pick<Config, 'JWT_SECRET' | 'JWT_PUBLIC_KEY' | 'JWT_ALGORITHMS'>

const problem = (text: string): ConfigError => new ConfigError(`Invalid configuration:\n  ${text}`)

/** What @fastify/jwt verifies service tokens with: the key and the algorithms pinned to its kind. */
export interface JwtVerification {
  secret: string | { public: string }
  algorithms: string[]
}

/**
 * The verification settings, or a ConfigError (the server exits 78). Without JWT_ALGORITHMS the algorithms follow
 * the key: HS256 for a secret, RS256 for an RSA key, PS256 for an RSA-PSS key, the curve's ES* for an EC key; given
 * ones must suit the key, otherwise no token could ever verify.
 */
export function jwtVerification (config: JwtConfig): JwtVerification | undefined {
  const problemText = jwtAlgorithmProblem(config)
  if (problemText !== undefined) throw problem(problemText)
  const given = config.JWT_ALGORITHMS?.split(',')
  if (config.JWT_SECRET !== undefined) return { secret: config.JWT_SECRET, algorithms: given ?? ['HS256'] }
  if (config.JWT_PUBLIC_KEY === undefined) return undefined
  const pem = readPem(config.JWT_PUBLIC_KEY)
  const suited = algorithmsFor(publicKeyOf(pem))
  const unsuited = (given ?? []).filter((a) => !suited.includes(a))
  if (unsuited.length > 0) {
    throw problem(`JWT_ALGORITHMS lists ${unsuited.join(', ')}, which the key in JWT_PUBLIC_KEY cannot verify (it suits ${suited.join(', ')})`)
  }
  return { secret: { public: pem }, algorithms: given ?? suited.slice(0, 1) }
}

/** PEM text given inline, or the file it names. */
function readPem (setting: string): string {
  if (setting.includes('-----BEGIN')) return setting
  try {
    return readFileSync(setting, 'utf8')
  } catch (err) {
    throw problem(`JWT_PUBLIC_KEY is neither PEM text nor a readable file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`)
  }
}

function publicKeyOf (pem: string): KeyObject {
  // createPublicKey would quietly derive the public half of a private key: a private key does not belong here
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw problem('JWT_PUBLIC_KEY holds a private key; give only the public key')
  try {
    return createPublicKey(pem)
  } catch {
    throw problem('JWT_PUBLIC_KEY is not a PEM public key or certificate')
  }
}

const EC_CURVES: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }

/** The JWS algorithms a public key can verify, the conventional one first. */
function algorithmsFor (key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa': return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
    case 'rsa-pss': return ['PS256', 'PS384', 'PS512']
    case 'ec': {
      const algorithm = EC_CURVES[key.asymmetricKeyDetails?.namedCurve ?? '']
      if (algorithm !== undefined) return [algorithm]
    }
  }
  throw problem(`JWT_PUBLIC_KEY is a ${key.asymmetricKeyType ?? 'unknown'} key${key.asymmetricKeyType === 'ec' ? ` on curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'}` : ''}; service JWTs take RSA or EC (P-256, P-384, P-521) keys`)
}
