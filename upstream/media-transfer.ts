import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { ClientClosedError, UpstreamFailedError, UpstreamJobFailedError, UpstreamJobTimeoutError } from '#errors.js'
import { sizeText, transportError, type UpstreamRequest } from './http.js'
import type { UpstreamCall, VideoJobControl } from './types.js'

/*
 * What video and audio calls need beyond JSON: binary answers read whole within a size limit, multipart bodies,
 * and long-running jobs polled until done.
 */

/** Sends `request` and reads the 2xx answer's bytes, refusing more than `maxBytes`. Throws HUB_* errors. */
export async function fetchBytes (call: UpstreamCall, request: UpstreamRequest, maxBytes: number): Promise<{ data: Buffer, contentType: string | undefined }> {
  const response = await call.http.postJson(call, request)
  const pieces: Buffer[] = []
  let size = 0
  try {
    for await (const piece of response.body as AsyncIterable<Buffer>) {
      size += piece.length
      if (size > maxBytes) {
        response.body.destroy()
        throw new UpstreamFailedError(`Provider ${call.provider.id} sent a file larger than ${sizeText(maxBytes)}.`)
      }
      pieces.push(piece)
    }
  } catch (err) {
    throw err instanceof UpstreamFailedError ? err : transportError(err, call)
  }
  const type = response.headers['content-type']
  return { data: Buffer.concat(pieces), contentType: typeof type === 'string' ? type : undefined }
}

/** A multipart/form-data body: text fields, then at most one file. */
export function multipartBody (fields: ReadonlyArray<readonly [string, string]>, file?: { name: string, filename: string, contentType: string, data: Buffer }): { body: Buffer, contentType: string } {
  const boundary = `----hubgate${randomBytes(12).toString('hex')}`
  // names and filenames come from the client: quotes and line breaks must not end the header
  const quoted = (text: string): string => text.replace(/["\r\n]/g, '_')
  const parts: Buffer[] = fields.map(([name, value]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`))
  if (file !== undefined) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(file.name)}"; filename="${quoted(file.filename)}"\r\n` +
      `Content-Type: ${quoted(file.contentType)}\r\n\r\n`), file.data, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}

/**
 * Polls a job the provider accepted until `check` answers, at most `control.maxPolls` times `control.intervalMs`
 * apart; a client that goes away stops it. Failures on the way are the job's (never retried: it would start another).
 */
export async function pollJob<T> (call: UpstreamCall, control: VideoJobControl, what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let poll = 0; poll < control.maxPolls; poll++) {
    await waitOrLeave(call, control.intervalMs)
    let done: T | undefined
    try {
      done = await check()
    } catch (err) {
      throw jobError(err, call, what)
    }
    if (done !== undefined) return done
  }
  throw new UpstreamJobTimeoutError(`Provider ${call.provider.id} did not finish the ${what} after ${control.maxPolls} checks ${control.intervalMs / 1000} s apart.`)
}

/** An error of a job already accepted, as the client sees it: the same message, never retried or handed to a fallback. */
export function jobError (err: unknown, call: UpstreamCall, what: string): Error {
  const code = (err as { code?: unknown }).code
  if (code === 'HUB_CLIENT_CLOSED' || code === 'HUB_UPSTREAM_JOB_FAILED' || code === 'HUB_UPSTREAM_JOB_TIMEOUT') return err as Error
  const message = typeof code === 'string' && code.startsWith('HUB_') ? (err as Error).message : `Provider ${call.provider.id} failed the ${what}.`
  return new UpstreamJobFailedError(message, { cause: err })
}

async function waitOrLeave (call: UpstreamCall, ms: number): Promise<void> {
  if (call.signal.aborted) throw new ClientClosedError()
  const left = new AbortController()
  const onAbort = (): void => { left.abort() }
  call.signal.on('abort', onAbort)
  try {
    await sleep(ms, undefined, { signal: left.signal })
  } catch {
    throw new ClientClosedError()
  } finally {
    call.signal.removeListener('abort', onAbort)
  }
}

/** The provider reported the job failed: it bills nothing for it, so neither does the gateway. */
export function failedJob (message: string): Error {
  return Object.assign(new UpstreamJobFailedError(message), { unbilled: true })
}

/** True for failedJob's errors. */
export function isUnbilledJob (err: unknown): boolean {
  return (err as { unbilled?: unknown } | undefined)?.unbilled === true
}
