import type { Socket } from 'node:net'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { reasonFor } from '#errors.js'

/*
 * Failures Fastify or Node answer before any route or error handler runs. Fastify's own answers carry
 * extra fields (`statusCode`, `code`) and say "Client Error"; these give the gateway's one shape,
 * `{ error, message }`, with a message a person can act on.
 */

function errorBody (status: number, message: string): string {
  return JSON.stringify({ error: reasonFor(status), message })
}

/** What the HTTP parser rejected, by llhttp / Node error code. */
function parserFailure (code: string | undefined): [number, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'The request line and headers are too large (the URL, or a header value, is too long).']
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'The request took too long to arrive.']
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_HEADER_VALUE':
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
      return [400, 'A request header is malformed (for example a bare CR or LF, or a control character in its value).']
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return [400, 'Content-Length is invalid, repeated, or sent together with Transfer-Encoding.']
    default:
      return [400, 'The request is not valid HTTP/1.1.']
  }
}

/** Fastify `clientErrorHandler`: the parser refused the request before it became one (bad headers, too large). */
export function clientErrorHandler (err: Error & { code?: string }, socket: Socket): void {
  // a reset connection has nobody left to answer
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, message] = parserFailure(err.code)
  const body = errorBody(status, message)
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reasonFor(status)}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(err)
}

/** Fastify `frameworkErrors`: a URL the router cannot read. */
export function frameworkErrors (err: Error & { code?: string }, _request: FastifyRequest, reply: FastifyReply): void {
  const [status, message] = err.code === 'FST_ERR_BAD_URL'
    ? [400, 'The request URL is malformed (invalid percent-encoding).']
    : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [414, 'A path segment of the URL is too long.']
      : [400, 'The request could not be routed.']
  void reply.code(status).type('application/json; charset=utf-8').send(errorBody(status, message))
}
