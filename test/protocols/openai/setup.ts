import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { anthropicMock } from '../../helpers/mock-anthropic.js'
import { geminiMock } from '../../helpers/mock-gemini.js'
import { openAIMock } from '../../helpers/mock-openai.js'
import { gatewayWithMock, type Gateway } from '../../helpers/gateway.js'
import type { Test as Tap } from 'tap'
import type { TestContext } from '../../helpers/build.js'
import type { MockHandler } from '../../helpers/mock-server.js'

/** Starts the gateway on a loopback port and returns its origin. */
export async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** One upstream family a client is tried against: its mock, a bare model name it lists, and its answers. */
export interface Upstream {
  provider: 'openai' | 'anthropic' | 'gemini'
  /** The name the client sends: bare, as users of OpenAI's clients type it. */
  bareModel: string
  text: (text: string) => MockHandler
  toolCall: (id: string, name: string, args: Record<string, unknown>) => MockHandler
}

export const UPSTREAMS: Upstream[] = [
  {
    provider: 'openai',
    bareModel: 'gpt-4o-mini',
    text: (content) => openAIMock.answer({ content }, { pieceSize: 3 }),
    toolCall: (id, name, args) => openAIMock.answer({ toolCalls: [{ id, name, arguments: JSON.stringify(args) }] })
  },
  {
    provider: 'anthropic',
    bareModel: 'claude-sonnet-4-5',
    text: (text) => anthropicMock.answer({ text }, { pieceSize: 3 }),
    toolCall: (id, name, input) => anthropicMock.answer({ toolUses: [{ id, name, input }] })
  },
  {
    provider: 'gemini',
    bareModel: 'gemini-2.5-flash',
    text: (text) => geminiMock.answer({ text: text.match(/.{1,3}/gs) ?? [] }),
    toolCall: (_id, name, args) => geminiMock.answer({ functionCalls: [{ name, args }] })
  }
]

const BASE_PATHS = { openai: '/v1', anthropic: '', gemini: '/v1beta' }

export interface ListeningGateway extends Gateway {
  origin: string
}

/** A listening gateway whose `upstream` is a loopback mock; gateway retries off, so a provider 429 reaches the client at once. */
export async function listeningGateway (t: TestContext, upstream: Upstream['provider'] = 'openai'): Promise<ListeningGateway> {
  const gw = await gatewayWithMock(t, upstream, { UPSTREAM_RETRIES: '0' }, BASE_PATHS[upstream])
  return { ...gw, origin: await listen(gw.app) }
}

export const weatherParameters = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } as const

/** What each client must show for a 400, 404 and 429: the gateway's own message. */
export const EXPECTED = {
  badRequest: /body\/temperature/,
  notFound: /The model "gpt-9-imaginary" does not exist on this gateway\. Name it "provider\/model"/,
  rateLimited: /Provider openai is rate limiting requests: slow down/
}

/** The provider answers 429 (what the 429 case of every client meets). */
export const upstreamRateLimit = (): MockHandler => openAIMock.error(429, 'slow down', { 'retry-after': '0' })

/** A client's error as the test reads it: the HTTP status it kept and the message it shows. */
export interface SeenError { status: number | undefined, message: string }

/**
 * The 400, 404 and 429 every client must show with the gateway's own message. `fail` makes one call through the
 * client with `model` (and `temperature`, when given) and returns the error it raised.
 */
export async function expectGatewayErrors (t: Tap, gw: ListeningGateway, fail: (model: string, temperature?: number) => Promise<SeenError>): Promise<void> {
  const bad = await fail('gpt-4o-mini', 5)
  t.same([bad.status, EXPECTED.badRequest.test(bad.message)], [400, true], `400: ${bad.message}`)
  const missing = await fail('gpt-9-imaginary')
  t.same([missing.status, EXPECTED.notFound.test(missing.message)], [404, true], `404: ${missing.message}`)
  gw.mock.respond(upstreamRateLimit())
  const limited = await fail('openai/gpt-4o-mini')
  t.same([limited.status, EXPECTED.rateLimited.test(limited.message)], [429, true], `429: ${limited.message}`)
}
