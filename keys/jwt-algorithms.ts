/** The JWT settings this check reads (a subset of Config, kept free of config.ts so config.ts can import it). */
interface JwtAlgorithmSettings {
  JWT_SECRET?: string | undefined
  JWT_PUBLIC_KEY?: string | undefined
  JWT_ALGORITHMS?: string | undefined
}

const HMAC = /^HS/

/**
 * Algorithm confusion is refused before anything else reads the settings: a public key used as an HMAC secret
 * lets anyone holding the (public) key sign tokens, and a shared secret cannot verify an asymmetric signature.
 * Only setting names and algorithm names are quoted, never a key.
 */
export function jwtAlgorithmProblem (config: JwtAlgorithmSettings): string | undefined {
  const algorithms = config.JWT_ALGORITHMS?.split(',') ?? []
  const hmac = algorithms.filter((a) => HMAC.test(a))
  const asymmetric = algorithms.filter((a) => !HMAC.test(a))
  if (config.JWT_PUBLIC_KEY !== undefined && hmac.length > 0) {
    return `JWT_ALGORITHMS lists ${hmac.join(', ')} with JWT_PUBLIC_KEY: a public key must never be used as an HMAC secret (anyone who has it could sign tokens); list RS*, PS* or ES* algorithms`
  }
  if (config.JWT_SECRET !== undefined && asymmetric.length > 0) {
    return `JWT_ALGORITHMS lists ${asymmetric.join(', ')} with JWT_SECRET: a shared secret verifies only HS256, HS384 or HS512; use JWT_PUBLIC_KEY for asymmetric algorithms`
  }
  return undefined
}
