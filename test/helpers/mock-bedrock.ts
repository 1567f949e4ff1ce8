import type { ServerResponse } from 'node:http'
import { EventStreamCodec } from '@smithy/eventstream-codec'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { fromUtf8, toUtf8 } from '@smithy/util-utf8'
import type { MockHandler, RecordedRequest, StreamOptions } from './mock-server.js'
import { sendJson } from './mock-server.js'

/**
 * AWS Bedrock runtime (Converse and ConverseStream), as the API reference and the AWS SDK's deserializers describe it:
 * every request must carry a valid SigV4 signature (recomputed here with the SDK's signer), /converse answers JSON,
 * /converse-stream AWS's binary event stream (real frames: prelude, typed headers, CRC32s).
 */

export const AWS_CREDENTIAL = { accessKeyId: 'AKIAMOCKBEDROCK0001', secretAccessKey: 'mock/Secret+Access+Key0123456789abcdefgh', region: 'eu-west-1' }

export interface ConverseAnswer {
  /** Text pieces: one contentBlockDelta each (joined for /converse). */
  text?: string[]
  toolUses?: Array<{ toolUseId: string, name: string, input: Record<string, unknown> }>
  stopReason?: string
  usage?: { inputTokens: number, outputTokens: number, cacheReadInputTokens?: number, cacheWriteInputTokens?: number }
}

const DEFAULT_USAGE = { inputTokens: 12, outputTokens: 5 }
const codec = new EventStreamCodec(toUtf8, fromUtf8)

/** One event stream frame: an event, or with `exception` an exception frame (throttlingException, …). */
export function eventFrame (name: string, payload: unknown, exception = false): Buffer {
  const string = (value: string): { type: 'string', value: string } => ({ type: 'string', value })
  const kind: Record<string, { type: 'string', value: string }> = exception
    ? { ':message-type': string('exception'), ':exception-type': string(name) }
    : { ':message-type': string('event'), ':event-type': string(name) }
  return Buffer.from(codec.encode({ headers: { ...kind, ':content-type': string('application/json') }, body: fromUtf8(JSON.stringify(payload)) }))
}

function usageOf (answer: ConverseAnswer): Record<string, number> {
  const u: NonNullable<ConverseAnswer['usage']> = answer.usage ?? DEFAULT_USAGE
  return { ...u, totalTokens: u.inputTokens + u.outputTokens + (u.cacheReadInputTokens ?? 0) + (u.cacheWriteInputTokens ?? 0) }
}

function stopReason (answer: ConverseAnswer): string {
  return answer.stopReason ?? (answer.toolUses !== undefined ? 'tool_use' : 'end_turn')
}

export function converseResponse (answer: ConverseAnswer): Record<string, unknown> {
  const text = (answer.text ?? []).join('')
  const content = [...(text !== '' ? [{ text }] : []), ...(answer.toolUses ?? []).map((toolUse) => ({ toolUse }))]
  return { output: { message: { role: 'assistant', content } }, stopReason: stopReason(answer), usage: usageOf(answer), metrics: { latencyMs: 321 } }
}

/** The frames of a ConverseStream answer, in the order Bedrock sends them (metadata last). */
export function converseFrames (answer: ConverseAnswer): Buffer[] {
  // each event carries "p", the random padding Bedrock adds against length side channels
  const p = 'abcdefghij'
  const frames = [eventFrame('messageStart', { role: 'assistant', p })]
  let index = 0
  if (answer.text !== undefined) {
    for (const text of answer.text) frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { text }, p }))
    frames.push(eventFrame('contentBlockStop', { contentBlockIndex: index, p }))
    index++
  }
  for (const tool of answer.toolUses ?? []) {
    frames.push(eventFrame('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId: tool.toolUseId, name: tool.name } }, p }))
    const input = JSON.stringify(tool.input)
    const half = Math.ceil(input.length / 2)
    for (const piece of [input.slice(0, half), input.slice(half)]) frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: piece } }, p }))
    frames.push(eventFrame('contentBlockStop', { contentBlockIndex: index, p }))
    index++
  }
  frames.push(eventFrame('messageStop', { stopReason: stopReason(answer), p }))
  frames.push(eventFrame('metadata', { usage: usageOf(answer), metrics: { latencyMs: 321 }, p }))
  return frames
}

/** Checks a request's SigV4 signature as AWS does: recomputed over the signed headers, path and body with the known secret. */
export async function signatureProblem (
  req: RecordedRequest, credential: { accessKeyId: string, secretAccessKey: string, sessionToken?: string } = AWS_CREDENTIAL, basePath = ''
): Promise<string | undefined> {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ''))
  if (auth === null) return 'Authorization header is missing or malformed'
  const [, keyId, , region, service, signedHeaders] = auth as unknown as string[]
  if (keyId !== credential.accessKeyId) return 'The security token included in the request is invalid.'
  if (service !== 'bedrock') return `Credential should be scoped to correct service: 'bedrock'.`
  if (credential.sessionToken !== undefined && req.headers['x-amz-security-token'] !== credential.sessionToken) return 'The security token included in the request is invalid.'
  const headers: Record<string, string> = {}
  for (const name of (signedHeaders as string).split(';')) headers[name] = String(req.headers[name] ?? '')
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(headers['x-amz-date'] ?? '')
  if (date === null) return 'x-amz-date is missing or malformed'
  const signingDate = new Date(`${date[1]}-${date[2]}-${date[3]}T${date[4]}:${date[5]}:${date[6]}Z`)
  const signer = new SignatureV4({ service: 'bedrock', region: region as string, sha256: Hash.bind(null, 'sha256'), credentials: credential })
  const [hostname, port] = (headers.host ?? '').split(':')
  const expected = await signer.sign({ method: req.method, protocol: 'http:', hostname: hostname as string, ...(port !== undefined ? { port: Number(port) } : {}), path: basePath + req.url, query: {}, headers, body: req.text }, { signingDate })
  if (expected.headers.authorization !== req.headers.authorization) return 'The request signature we calculated does not match the signature you provided.'
  return undefined
}

function sendFrames (res: ServerResponse, frames: Buffer[], options: StreamOptions): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'mock-request-id' })
  res.flushHeaders()
  return (async () => {
    for (const [i, frame] of frames.entries()) {
      if (i === options.hangAfter) return await new Promise<void>((resolve) => res.on('close', () => resolve()))
      if (i === options.dieAfter) { res.socket?.destroy(); return }
      // pieces smaller than a frame: the gateway must reassemble frames split anywhere
      const size = options.pieceSize ?? frame.length
      for (let at = 0; at < frame.length; at += size) await new Promise((resolve) => res.write(frame.subarray(at, at + size), resolve))
    }
    res.end()
  })()
}

export const bedrockMock = {
  /**
   * Verifies the signature (403 InvalidSignatureException otherwise), then answers /converse or /converse-stream; a
   * conversation without messages gets AWS's 400 ValidationException (what the connection test relies on).
   */
  answer (answer: ConverseAnswer, options: StreamOptions = {}, credential: Parameters<typeof signatureProblem>[1] = AWS_CREDENTIAL, basePath = ''): MockHandler {
    return async (req, res) => {
      const problem = await signatureProblem(req, credential, basePath)
      if (problem !== undefined) return bedrockMock.error(403, problem.startsWith('The security token') ? 'UnrecognizedClientException' : 'InvalidSignatureException', problem)(req, res)
      if (Array.isArray(req.body?.messages) && req.body.messages.length === 0) {
        return bedrockMock.error(400, 'ValidationException', 'A conversation must start with a user message. Try again with a conversation that starts with a user message.')(req, res)
      }
      if (req.url.endsWith('/converse-stream')) return await sendFrames(res, converseFrames(answer), options)
      sendJson(res, 200, converseResponse(answer))
    }
  },

  /** Frames sent as given after a valid signature (exceptions mid-stream, corrupt frames). */
  frames (frames: Buffer[]): MockHandler {
    return async (_req, res) => { await sendFrames(res, frames, {}) }
  },

  /** An error as the runtime answers one: the type in x-amzn-errortype, the message in the body. */
  error (status: number, type: string, message: string): MockHandler {
    return (_req, res) => sendJson(res, status, { message }, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` })
  }
}
