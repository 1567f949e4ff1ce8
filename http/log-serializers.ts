import type { FastifyRequest } from 'fastify'
import { stdSerializers } from 'pino'

export const REDACTED = '[REDACTED]'

/**
 * Query parameters whose value is a credential: what clients put keys in (`?key=`, `?api_key=`, `?token=`,
 * `?access_token=`), OAuth/OIDC values (`code`, `state`, `id_token`), signed-URL signatures, and any name ending in
 * key, token, secret, password or signature (`apiKey`, `session_token`, `client_secret`); `aigne hub connect`'s session
 * id (`sid`, and `__token__` on its approval page), which is what collects the approved key.
 */
const SECRET_NAME = /^(?:code|state|sig|sid|__token__|.*(?:key|token|secret|password|passwd|signature))$/i
/** `?name=value` or `&name=value` anywhere in a text (a URL, or an error message quoting one). */
const QUERY_PAIR = /([?&;])([^=&;?#\s"'<>]+)=([^&;#\s"'<>]*)/g

function decodedName (name: string): string {
  try {
    return decodeURIComponent(name)
  } catch {
    return name
  }
}

/** `text` with the value of every secret-looking query parameter replaced by [REDACTED]. */
export function redactQuerySecrets (text: string): string {
  if (!text.includes('=')) return text
  return text.replace(QUERY_PAIR, (pair, separator: string, name: string, value: string) =>
    value !== '' && SECRET_NAME.test(decodedName(name).replace(/\[\]$/, '')) ? `${separator}${name}=${REDACTED}` : pair)
}

/** Every string in a serialized error (message, stack, a cause's, a url property), redacted. Bounded depth. */
function redactStrings (value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactQuerySecrets(value)
  if (depth > 4 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, depth + 1))
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item, depth + 1)]))
}

/**
 * Pino serializers for every logger the gateway builds: Fastify's request shape with the URL redacted, errors
 * with any quoted URL redacted, and a `url` field anywhere it is logged on its own (the OIDC callback carries
 * `code` and `state`; clients that cannot set headers put keys in the query string).
 */
export const LOG_SERIALIZERS = {
  req: (req: FastifyRequest) => ({
    method: req.method,
    url: redactQuerySecrets(req.url),
    version: req.headers['accept-version'] as string | undefined,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort
  }),
  err: (err: Error) => redactStrings(stdSerializers.err(err)) as ReturnType<typeof stdSerializers.err>,
  url: (url: unknown) => typeof url === 'string' ? redactQuerySecrets(url) : url
}
