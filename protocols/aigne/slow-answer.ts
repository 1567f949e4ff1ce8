import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyError, FastifyReply } from 'fastify'
import { clientMessage, statusOf } from '#errors.js'
import { aigneErrorBody } from './errors.js'

/** Between two keep-alive spaces: well inside any proxy's idle timeout. */
const KEEPALIVE_EVERY_MS = 15_000

/**
 * Sends a JSON answer that may take longer than the client waits for response headers (the AIGNE client: 3 minutes,
 * then it retries, which would start a second video). Ready within `headersAfterMs`: answered as usual (errors with
 * their status). Otherwise the 200 headers go out then, a space every 15 s keeps the connection alive (JSON allows
 * leading whitespace), and the answer, or the error in the AIGNE error body, follows.
 */
export async function answerWhenReady<T> (reply: FastifyReply, answer: Promise<T>, headersAfterMs: number): Promise<T | undefined> {
  const waiting = new AbortController()
  const late = Symbol('late')
  let first: T | typeof late | undefined
  try {
    first = await Promise.race([answer, sleep(headersAfterMs, late, { signal: waiting.signal }).catch(() => undefined)])
  } finally {
    // a failed answer too must not leave the timer holding the process
    waiting.abort()
  }
  if (first !== late) return await answer
  reply.hijack()
  reply.raw.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  const keepalive = setInterval(() => { reply.raw.write(' ') }, KEEPALIVE_EVERY_MS)
  try {
    reply.raw.end(JSON.stringify(await answer))
  } catch (err) {
    reply.raw.end(JSON.stringify(aigneErrorBody(statusOf(err), clientMessage(err), err as Partial<FastifyError>)))
  } finally {
    clearInterval(keepalive)
  }
  return undefined
}
