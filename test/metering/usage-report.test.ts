import { test } from 'tap'
import { openAIMock } from '../helpers/mock-openai.js'
import { adminCall, bearer, issueKey, UNAUTHORIZED } from '../helpers/build.js'
import { gatewayWithMock } from '../helpers/gateway.js'

test('admin usage report: grouped by key, model and day, as JSON and as CSV', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  gw.mock.respond(openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 } }))
  await gw.app.catalog.create({ id: 'openai/gpt-4o-mini', inputRate: 1, outputRate: 2 })
  await gw.app.catalog.create({ id: 'openai/gpt-4o', inputRate: 10, outputRate: 20 })
  const second = await issueKey(gw.app, { name: 'second', scopes: ['chat'] })
  const call = async (key: string, model: string) => await gw.app.inject({ method: 'POST', url: '/api/v2/chat/completions', headers: bearer(key), payload: { model, messages: [{ role: 'user', content: 'hi' }] } })
  await call(gw.key, 'openai/gpt-4o-mini')
  await call(gw.key, 'openai/gpt-4o')
  await call(second.key, 'openai/gpt-4o')

  const byKeyModel = await adminCall(gw.app, { url: '/api/admin/usage?groupBy=key,model' })
  t.equal(byKeyModel.statusCode, 200)
  const items = byKeyModel.json().items as Array<Record<string, any>>
  t.equal(items.length, 3)
  const secondRow = items.find((r) => r.key === second.id)
  t.match(secondRow, { model: 'openai/gpt-4o', requests: 1, promptTokens: 10, completionTokens: 5, totalTokens: 15 })
  t.ok(Math.abs(secondRow!.credits - (10 * 10 + 5 * 20) / 1e6) < 1e-12)

  const today = new Date().toISOString().slice(0, 10)
  const byDay = (await adminCall(gw.app, { url: '/api/admin/usage?groupBy=day' })).json()
  t.same(byDay.items.map((r: any) => [r.day, r.requests]), [[today, 3]])

  const csv = await adminCall(gw.app, { url: '/api/admin/usage?groupBy=model&format=csv' })
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], /^text\/csv/)
  t.match(csv.headers['content-disposition'], /attachment; filename="hubgate-usage-/)
  const lines = csv.body.trim().split('\n')
  t.equal(lines[0], 'model,requests,errors,promptTokens,completionTokens,totalTokens,credits,cachedTokens,cacheWriteTokens,cacheWrite1hTokens,reasoningTokens,audioInputTokens,audioOutputTokens,seconds,characters')
  t.match(lines.slice(1).sort(), [/^openai\/gpt-4o,2,0,20,10,30,/, /^openai\/gpt-4o-mini,1,0,10,5,15,/])

  const filtered = (await adminCall(gw.app, { url: `/api/admin/usage?groupBy=model&keyId=${second.id}` })).json()
  t.equal(filtered.items.length, 1, 'filtered to one key')

  const range = await adminCall(gw.app, { url: '/api/admin/usage?since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z' })
  t.same(range.json().items, [], 'nothing in a past range')
  const backwards = await adminCall(gw.app, { url: '/api/admin/usage?since=2020-01-02T00:00:00Z&until=2020-01-01T00:00:00Z' })
  t.equal(backwards.statusCode, 400)
  const badGroup = await adminCall(gw.app, { url: '/api/admin/usage?groupBy=colour' })
  t.equal(badGroup.statusCode, 400)
  t.match(badGroup.json().message, /groupBy/)
  const notAdmin = await gw.app.inject({ url: '/api/admin/usage', headers: bearer(second.key) })
  t.same(notAdmin.json(), UNAUTHORIZED)
})

test('a CSV cell that looks like a formula is quoted', async (t) => {
  const { toCsv } = await import('#routes/api/admin/usage/index.js')
  const csv = toCsv(['key'], [{
    key: '=cmd()', requests: 1, errors: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, credits: 0,
    cachedTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, reasoningTokens: 0, audioInputTokens: 0, audioOutputTokens: 0, seconds: 0, characters: 0
  }])
  t.match(csv.split('\n')[1], /^"=cmd\(\)",1/)
})

test('a key reads its own limits with its usage, maxConcurrent included', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  const limited = await issueKey(gw.app, { name: 'limited', scopes: ['chat'], creditLimit: 5, creditPeriod: 'day', rpm: 60, tpm: 1000, maxConcurrent: 3 })
  const own = await gw.app.inject({ url: '/api/v2/usage', headers: bearer(limited.key) })
  t.equal(own.statusCode, 200)
  t.match(own.json(), { keyId: limited.id, period: 'day', creditLimit: 5, creditsUsed: 0, creditsRemaining: 5, rpm: 60, tpm: 1000, maxConcurrent: 3, byModel: [] })
  t.equal((await gw.app.inject({ url: '/api/v2/usage', headers: bearer(gw.key) })).json().maxConcurrent, null, 'null when the key has no such limit')
})
