import { isUtf8 } from 'node:buffer'
import fp from 'fastify-plugin'
import { BadRequestError, UnsupportedMediaTypeError } from '#errors.js'
import { nestedDeeperThan } from '#gateway/validate.js'
import { CHAT_LIMITS } from '#schemas/chat.js'

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i
/** A \uD800–\uDFFF escape in the text: only then can the parsed value hold a lone surrogate. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/
/** In a `u` regex, paired surrogates are one code point; only unpaired ones match Cs. */
const LONE_SURROGATE = /\p{Cs}/u
/** A \u0000 escape in the text (raw control characters are not valid JSON): only then can a string hold NUL. */
const NUL_ESCAPE = /\\u0000/
const NUL = /\0/
/** NUL in a URL: no route takes it, and Postgres cannot store it (it would fail deep in a query instead). */
const URL_NUL = /%00/

/** True when any string (or key) anywhere in `value` matches `pattern`. Iterative: no stack to overflow. */
function anyStringMatches (value: unknown, pattern: RegExp): boolean {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const node = pending.pop()
    if (typeof node === 'string') {
      if (pattern.test(node)) return true
    } else if (Array.isArray(node)) {
      pending.push(...node)
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) pending.push(key, child)
    }
  }
  return false
}

function parsesAsPlainJson (text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/**
 * What the gateway accepts as a request, refused with a clear 4xx `{ error, message }` otherwise.
 *
 * HTTP/1.1 requests carry a Host header (RFC 9112 §3.2). Node would answer a bare 400 with no body, so it
 * is told not to check, and the hook below answers in the gateway's shape.
 *
 * Request bodies are JSON in UTF-8 (RFC 8259), and nothing else: a body that is not valid UTF-8 (Node
 * would quietly turn bad bytes into U+FFFD), escapes a lone surrogate (no provider can take it), says a
 * charset other than UTF-8, or comes as text/plain is refused with a clear 4xx instead of being guessed at.
 * Duplicate keys follow JSON.parse: the last one wins; the parsed value is what gets validated and what is
 * serialized upstream, so the gateway and the provider can never read two different requests.
 * `__proto__` and `constructor.prototype` keys are refused (Fastify's secure parser, kept), and so is
 * nesting deeper than CHAT_LIMITS.depth on any route. NUL is refused in every URL and in admin API bodies (what
 * those say is stored, and Postgres text cannot hold it); a chat message may carry one, it is only passed on.
 */
export default fp(async (app) => {
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      return done(new BadRequestError('An HTTP/1.1 request needs a Host header.'))
    }
    if (URL_NUL.test(request.url)) return done(new BadRequestError('The URL must not contain a NUL character (%00).'))
    done()
  })

  const secureParse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  // Fastify parses text/plain by default; no route takes text, so it is refused with 415 like any other type
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      return done(new UnsupportedMediaTypeError(`JSON bodies must be UTF-8; charset=${charset.slice(0, 40)} is not accepted.`), undefined)
    }
    const bytes = body as Buffer
    if (!isUtf8(bytes)) return done(new BadRequestError('The body is not valid UTF-8.'), undefined)
    const text = bytes.toString('utf8')
    secureParse(request, text, (err, value) => {
      if (err !== null) {
        const forbidden = parsesAsPlainJson(text)
        return done(forbidden ? new BadRequestError('The body contains a forbidden "__proto__" or "constructor.prototype" key.') : err, undefined)
      }
      // for every route: a deep value that passed a permissive schema would overflow the stack of JSON.stringify later
      if (nestedDeeperThan(value, CHAT_LIMITS.depth)) return done(new BadRequestError(`body nests deeper than ${CHAT_LIMITS.depth} levels`), undefined)
      if (SURROGATE_ESCAPE.test(text) && anyStringMatches(value, LONE_SURROGATE)) {
        return done(new BadRequestError('The body contains a lone UTF-16 surrogate escape (\\uD800-\\uDFFF without its pair); strings must be valid Unicode.'), undefined)
      }
      // what the admin API is sent is stored, and Postgres text cannot hold NUL: refused alike on every store
      if (request.routeOptions.config.scope === 'admin' && NUL_ESCAPE.test(text) && anyStringMatches(value, NUL)) {
        return done(new BadRequestError('Text sent to the admin API must not contain NUL (\\u0000) characters.'), undefined)
      }
      done(null, value)
    })
  })
}, { name: 'request-hygiene' })
