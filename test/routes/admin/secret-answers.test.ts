import { test } from 'tap'
import { adminCall, build, issueKey } from '../../helpers/build.js'

test('answers that carry a new access key secret (create, rotate) say Cache-Control: no-store; others do not need to', async (t) => {
  const app = await build(t)
  const created = await adminCall(app, { method: 'POST', url: '/api/admin/access-keys', payload: { name: 'cached nowhere' } })
  t.equal(created.statusCode, 201)
  t.equal(created.headers['cache-control'], 'no-store', 'create')
  const rotated = await adminCall(app, { method: 'POST', url: `/api/admin/access-keys/${created.json<{ id: string }>().id}/rotate` })
  t.equal(rotated.statusCode, 200)
  t.match(rotated.json(), { key: /^hgk_/ })
  t.equal(rotated.headers['cache-control'], 'no-store', 'rotate')
  const { id } = await issueKey(app)
  t.equal((await adminCall(app, { url: `/api/admin/access-keys/${id}` })).headers['cache-control'], undefined, 'a view without a secret is left alone')
})

test('the OpenAPI document states the no-store header on the answers that carry a secret', async (t) => {
  const app = await build(t)
  const doc = (await app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>> }>()
  const noStore = { 'cache-control': { schema: { type: 'string', enum: ['no-store'] } } }
  t.match(doc.paths['/api/admin/access-keys/']?.post?.responses['201']?.headers, noStore, 'create')
  t.match(doc.paths['/api/admin/access-keys/{id}/rotate']?.post?.responses['200']?.headers, noStore, 'rotate')
})
