import type { FastifyReply, FastifyRequest } from 'fastify'
import { requireModel } from '../plugins/app/auth.js'
import { streamBody, type StreamFormat } from '../providers/stream-body.js'
import type { ChatChunkStream } from '../providers/types.js'
import { envelopeModel } from './aigne-chat.js'

/** Route config of the AIGNE and AI Kit families: the scope, and errors in the shape their clients read. */
export function aigneConfig (scope: 'chat' | 'embeddings' | 'images'): { scope: typeof scope, errorShape: 'aigne' } {
  return { scope, errorShape: 'aigne' }
}

/** Sends a streamed answer in `format`: no caching, and proxies such as nginx must not hold it back. */
export async function sendEventStream (reply: FastifyReply, chunks: ChatChunkStream, format: StreamFormat, type = 'text/event-stream; charset=utf-8'): Promise<FastifyReply> {
  return await reply
    .type(type)
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no')
    // the typed reply only knows the documented JSON shapes; a stream is a valid payload all the same
    .send(streamBody(chunks, format) as never)
}

/** The model an AIGNE envelope names, once the caller's key may use it (else the standard 401). */
export function allowedEnvelopeModel (request: FastifyRequest & { body: Parameters<typeof envelopeModel>[0] }): string {
  const model = envelopeModel(request.body)
  requireModel(request, model)
  return model
}
