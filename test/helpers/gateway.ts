import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { UsageEvent } from '#gateway/usage-events.js'
import { bearer, build, issueKey, type TestContext } from './build.js'
import { startMock, type MockServer } from './mock-server.js'

export const PROVIDER_KEYS = {
  openai: 'sk-test-provider-openai-0123456789',
  anthropic: 'sk-ant-test-provider-0123456789',
  gemini: 'AIza-test-provider-0123456789',
  doubao: 'ark-test-provider-0123456789',
  poe: 'poe-test-provider-0123456789',
  ideogram: 'ideogram-test-provider-0123456789'
}

export interface Gateway {
  app: FastifyInstance
  mock: MockServer
  /** An access key with the chat scope and every model. */
  key: string
  /** Usage events emitted so far. */
  usage: UsageEvent[]
  chat: (payload: Record<string, unknown>, headers?: Record<string, string>) => Promise<LightMyRequestResponse>
}

type ProviderId = keyof typeof PROVIDER_KEYS
const ENV: Record<ProviderId, { key: string, url: string }> = {
  openai: { key: 'OPENAI_API_KEY', url: 'OPENAI_BASE_URL' },
  anthropic: { key: 'ANTHROPIC_API_KEY', url: 'ANTHROPIC_BASE_URL' },
  gemini: { key: 'GEMINI_API_KEY', url: 'GEMINI_BASE_URL' },
  doubao: { key: 'DOUBAO_API_KEY', url: 'DOUBAO_BASE_URL' },
  poe: { key: 'POE_API_KEY', url: 'POE_BASE_URL' },
  ideogram: { key: 'IDEOGRAM_API_KEY', url: 'IDEOGRAM_BASE_URL' }
}

/** A gateway whose `provider` points at a fresh loopback mock (base path like the real API root's). */
export async function gatewayWithMock (t: TestContext, provider: ProviderId, env: Record<string, string> = {}, basePath = '/v1'): Promise<Gateway> {
  const mock = await startMock(t, basePath)
  const names = ENV[provider]
  const app = await build(t, { [names.key]: PROVIDER_KEYS[provider], [names.url]: mock.url, ...env })
  const { key } = await issueKey(app, { scopes: ['chat'] })
  const usage: UsageEvent[] = []
  app.usageEvents.on('usage', (event) => usage.push(event))
  const chat = async (payload: Record<string, unknown>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    await app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: { ...bearer(key), ...headers }, payload })
  return { app, mock, key, usage, chat }
}

/** The `data:` payloads of an SSE body, in order. */
export function sseData (body: string): string[] {
  return body.split('\n\n').filter((block) => block.trim() !== '').map((block) => {
    const lines = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6))
    return lines.join('\n')
  })
}

/** Parsed chunks of an SSE body, without the final [DONE]. */
export function sseChunks (body: string): any[] {
  return sseData(body).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d))
}

/** Concatenated content of streamed chunks. */
export function streamedText (chunks: any[]): string {
  return chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('')
}
