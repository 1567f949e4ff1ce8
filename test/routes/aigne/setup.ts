import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { AIGNEHubChatModel, AIGNEHubImageModel } from '@aigne/aigne-hub'

/** Starts the gateway on a loopback port and returns its origin. */
export async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/**
 * The official client pointed at the gateway, the documented way: the `aignehub/` prefix selects the hub,
 * which then discovers the API through /__blocklet__.js and calls /api/v2/chat.
 */
export function chatModel (baseURL: string, apiKey: string, model = 'openai/gpt-4o-mini'): AIGNEHubChatModel {
  return new AIGNEHubChatModel({ baseURL, apiKey, model: `aignehub/${model}` })
}

export function imageModel (baseURL: string, apiKey: string, model = 'openai/dall-e-3'): AIGNEHubImageModel {
  return new AIGNEHubImageModel({ baseURL, apiKey, model: `aignehub/${model}` })
}

/** Reads an AIGNE stream as the client delivers it: the text deltas joined, and the merged JSON deltas. */
export async function readStream (stream: ReadableStream<any>): Promise<{ text: string, json: Record<string, any>, chunks: number }> {
  let text = ''
  let json: Record<string, any> = {}
  let chunks = 0
  for await (const chunk of stream as unknown as AsyncIterable<any>) {
    chunks++
    text += chunk.delta?.text?.text ?? ''
    if (chunk.delta?.json !== undefined) json = { ...json, ...chunk.delta.json }
  }
  return { text, json, chunks }
}
