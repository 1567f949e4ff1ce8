import { test } from 'tap'
import { AIGNEHubChatModel } from '@aigne/aigne-hub'
import { adminCall, bearer } from '../helpers/build.js'
import { byPath } from '../helpers/mock-media.js'
import { openAIResponsesMock } from '../helpers/mock-openai-responses.js'
import { listen } from '../routes/aigne/setup.js'
import { chatUsingItsBound, embeddingsMock, limitedKey, mediaAndChat, spendGateway } from './spend-bounds.js'

/*
 * Usage per app: every call kind records the app its caller named in x-aigne-hub-client-did (bounded and checked:
 * anything else counts as app ""), and the admin report, its CSV and the key's own report break usage down by it.
 */

const APP = 'did:abt:zNKtCNqYWLYWYW3gWRA1vnRykfCBZYHZvzKr'
const messages = [{ role: 'user', content: 'hi' }]
const CALLS: Array<{ kind: string, url: string, body: Record<string, unknown> }> = [
  { kind: 'chat', url: '/api/v2/chat/completions', body: { model: 'openai/gpt-4o-mini', messages } },
  { kind: 'streamed chat', url: '/api/v2/chat/completions', body: { model: 'openai/gpt-4o-mini', messages, stream: true } },
  { kind: 'AIGNE chat', url: '/api/v2/chat', body: { input: { messages, modelOptions: { model: 'openai/gpt-4o-mini' } } } },
  { kind: 'embeddings', url: '/api/v2/embeddings', body: { model: 'openai/text-embedding-3-small', input: 'hello' } },
  { kind: 'images', url: '/api/v2/images/generations', body: { model: 'openai/dall-e-3', prompt: 'a fox' } },
  { kind: 'responses', url: '/api/v2/responses', body: { model: 'openai/gpt-4o-mini', input: 'hi' } },
  { kind: 'streamed responses', url: '/api/v2/responses', body: { model: 'openai/gpt-4o-mini', input: 'hi', stream: true } },
  { kind: 'messages', url: '/v1/messages', body: { model: 'openai/gpt-4o-mini', max_tokens: 16, messages } }
]

function everyKindMock (): ReturnType<typeof mediaAndChat> {
  const media = mediaAndChat()
  return byPath({
    '/chat/completions': chatUsingItsBound,
    '/embeddings': embeddingsMock(true),
    '/images/generations': media,
    '/responses': openAIResponsesMock.answer({ content: 'ok' })
  })
}

test('every call kind records the app its caller named; none, an invalid or an over-long one is app ""', async (t) => {
  const gw = await spendGateway(t, {}, everyKindMock())
  const { id, key } = await limitedKey(gw.app, {})
  const headers = { ...bearer(key), 'x-aigne-hub-client-did': APP }
  for (const call of CALLS) {
    const res = await gw.app.inject({ method: 'POST', url: call.url, headers, payload: call.body })
    t.equal(res.statusCode, 200, `${call.kind}: ${res.body.slice(0, 200)}`)
    t.equal(gw.usage.at(-1)?.app, APP, `${call.kind} records the app`)
  }
  for (const [what, value] of [
    ['over-long', 'a'.repeat(129)], ['outside the charset', 'app with spaces'], ['a CSV formula', '=cmd|calc'], ['newlines', 'a\nb'], ['empty', '']
  ] as const) {
    const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: { ...bearer(key), 'x-aigne-hub-client-did': value }, payload: CALLS[0]?.body })
    t.equal(res.statusCode, 200, `${what}: the call is not refused for it`)
    t.equal(gw.usage.at(-1)?.app, '', `${what}: counted as app ""`)
  }
  t.equal((await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: CALLS[0]?.body })).statusCode, 200)
  t.equal(gw.usage.at(-1)?.app, '', 'no header: app ""')
  const longest = 'z'.repeat(128)
  await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: { ...bearer(key), 'x-aigne-hub-client-did': longest }, payload: CALLS[0]?.body })
  t.equal(gw.usage.at(-1)?.app, longest, '128 characters is still an app')

  await gw.app.metering.recorder.flush()
  const rows = await gw.app.store.db.selectFrom('usage_records').select(['app']).where('key_id', '=', id).execute()
  t.equal(rows.filter((r) => r.app === APP).length, CALLS.length, 'the records in the store carry it')
  t.equal(rows.filter((r) => r.app === '').length, 6)
})

test('the official client\'s own header is recorded: its default `@aigne/aigne-hub:<host>` and a Blocklet app\'s DID', async (t) => {
  const gw = await spendGateway(t, {}, everyKindMock())
  const origin = await listen(gw.app)
  const { key } = await limitedKey(gw.app, {})
  await new AIGNEHubChatModel({ baseURL: origin, apiKey: key, model: 'aignehub/openai/gpt-4o-mini' }).invoke({ messages: [{ role: 'user', content: 'hi' }] })
  t.match(gw.usage.at(-1)?.app, /^@aigne\/aigne-hub:.+/)
  // a Blocklet app's client names it by its DID
  process.env.BLOCKLET_APP_PID = APP
  t.teardown(() => { delete process.env.BLOCKLET_APP_PID })
  await new AIGNEHubChatModel({ baseURL: origin, apiKey: key, model: 'aignehub/openai/gpt-4o-mini' }).invoke({ messages: [{ role: 'user', content: 'hi' }] })
  t.equal(gw.usage.at(-1)?.app, APP)
})

test('usage by app: the admin report (JSON, CSV, an app filter), after the daily rollup too, and the key\'s own report', async (t) => {
  const gw = await spendGateway(t, {}, everyKindMock())
  const first = await limitedKey(gw.app, {})
  const second = await limitedKey(gw.app, {})
  const call = async (key: string, app?: string): Promise<void> => {
    const headers = { ...bearer(key), ...(app === undefined ? {} : { 'x-aigne-hub-client-did': app }) }
    const res = await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers, payload: CALLS[0]?.body })
    t.equal(res.statusCode, 200)
  }
  await call(first.key, 'app-a')
  await call(first.key, 'app-a')
  await call(first.key, 'app-b')
  await call(first.key)
  await call(second.key, 'app-a')

  const report = async (query: string): Promise<any> => (await adminCall(gw.app, { url: `/api/admin/usage?${query}` })).json()
  const byApp = await report('groupBy=app')
  t.same(byApp.items.map((r: any) => [r.app, r.requests]), [['', 1], ['app-a', 3], ['app-b', 1]])
  const byKeyAndApp = await report(`groupBy=key,app&keyId=${first.id}`)
  t.same(byKeyAndApp.items.map((r: any) => [r.key, r.app, r.requests]), [[first.id, '', 1], [first.id, 'app-a', 2], [first.id, 'app-b', 1]])
  const onlyA = await report('groupBy=key&app=app-a')
  t.same(onlyA.items.map((r: any) => r.requests).sort(), [1, 2])

  const csv = await adminCall(gw.app, { url: '/api/admin/usage?groupBy=app,model&format=csv' })
  const lines = csv.body.trim().split('\n')
  t.match(lines[0], /^app,model,requests,/)
  t.ok(lines.some((l) => l.startsWith('app-a,openai/gpt-4o-mini,3,')), csv.body)

  const own = (await gw.app.inject({ url: '/api/v2/usage', headers: bearer(first.key) })).json()
  t.same(own.byApp.map((r: any) => [r.app, r.requests]), [['', 1], ['app-a', 2], ['app-b', 1]], 'the key sees its own apps only')
  t.equal(own.perAppCreditLimit, null)

  // the days rolled up are answered from usage_daily_apps: moved into the past, then rolled up, the report is the same
  await gw.app.store.db.updateTable('usage_records').set({ at: '2020-01-02T10:00:00.000Z' }).execute()
  await gw.app.store.usage.rollup('2020-01-02')
  await gw.app.store.usage.purge('2020-01-03T00:00:00.000Z')
  t.equal((await gw.app.store.db.selectFrom('usage_records').select('id').execute()).length, 0, 'the raw rows are gone')
  const rolled = await report('groupBy=app&since=2020-01-01T00:00:00.000Z')
  t.same(rolled.items.map((r: any) => [r.app, r.requests]), [['', 1], ['app-a', 3], ['app-b', 1]])
  const rolledByModel = await report('groupBy=model&since=2020-01-01T00:00:00.000Z')
  t.same(rolledByModel.items.map((r: any) => r.requests), [5], 'reports without the app still read usage_daily')
  t.equal((await adminCall(gw.app, { url: '/api/admin/usage?groupBy=app,nope' })).statusCode, 400)
})
