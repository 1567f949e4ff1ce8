import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { ADMIN_KEY, UNAUTHORIZED, bearer, build, tempDir, type TestContext } from '../../helpers/build.js'

/** A stand-in for the Vite build: what the plugin serves does not depend on what the bundle contains. */
function fakeUiBuild (t: TestContext): string {
  const dir = tempDir(t, 'hubgate-ui-')
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Hubgate admin</title><script type="module" src="/admin/assets/app-1a2b.js"></script>')
  writeFileSync(join(dir, 'assets', 'app-1a2b.js'), 'console.log("admin")')
  return dir
}

function cspDirectives (header: unknown): Map<string, string> {
  return new Map(String(header).split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name = '', ...values] = d.split(/\s+/)
    return [name, values.join(' ')]
  }))
}

test('/admin serves the page shell without a key, under a strict CSP', async (t) => {
  const app = await build(t, { ADMIN_UI_DIR: fakeUiBuild(t) })
  for (const url of ['/admin', '/admin/', '/admin/keys', '/admin/audit?x=1']) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200, url)
    t.match(res.headers['content-type'], /^text\/html/, url)
    t.match(res.body, '<title>Hubgate admin</title>', url)
    t.equal(res.headers['cache-control'], 'no-cache', `${url}: the shell is revalidated so a new build is picked up`)
    const csp = cspDirectives(res.headers['content-security-policy'])
    t.equal(csp.get('script-src'), "'self'", `${url}: scripts only from the gateway, nothing inline`)
    t.equal(csp.get('style-src'), "'self'", url)
    t.equal(csp.get('default-src'), "'self'", url)
    t.equal(csp.get('frame-ancestors'), "'none'", url)
    t.notOk(csp.has('upgrade-insecure-requests'), `${url}: plain-http deployments keep loading their assets`)
    t.equal(res.headers['x-content-type-options'], 'nosniff', url)
  }
})

test('/admin assets are cached for good; unknown files are 404, not the page', async (t) => {
  const app = await build(t, { ADMIN_UI_DIR: fakeUiBuild(t) })
  const asset = await app.inject({ url: '/admin/assets/app-1a2b.js' })
  t.equal(asset.statusCode, 200)
  t.match(asset.headers['content-type'], /javascript/)
  t.match(asset.headers['cache-control'], /immutable/)
  t.equal((await app.inject({ url: '/admin/assets/gone-9z9z.js' })).statusCode, 404)
  t.equal((await app.inject({ url: '/admin/favicon.ico' })).statusCode, 404)
})

test('without a UI build the gateway still starts and /admin says what is missing', async (t) => {
  const app = await build(t, { ADMIN_UI_DIR: tempDir(t, 'hubgate-no-ui-') })
  const res = await app.inject({ url: '/admin/keys' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: 'Service Unavailable', message: 'The admin UI is not built: run "npm run build:ui", then restart the gateway.' })
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200)
})

test('the page is public but its data is not: the admin API still needs the key', async (t) => {
  const app = await build(t, { ADMIN_UI_DIR: fakeUiBuild(t) })
  const anonymous = await app.inject({ url: '/api/admin/access-keys' })
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), UNAUTHORIZED)
  const admin = await app.inject({ url: '/api/admin/access-keys', headers: bearer(ADMIN_KEY) })
  t.equal(admin.statusCode, 200)
  t.match(admin.headers['content-type'], /^application\/json/)
  t.equal(admin.headers['x-content-type-options'], 'nosniff', 'the JSON API gets the security headers too')
  const csp = cspDirectives(admin.headers['content-security-policy'])
  t.equal(csp.get('default-src'), "'none'", 'an API answer may load nothing')
  t.equal(csp.get('frame-ancestors'), "'none'", 'and may not be framed')
  t.match(admin.headers['strict-transport-security'], /^max-age=\d+/)
  for (const pageOnly of ['x-dns-prefetch-control', 'cross-origin-opener-policy', 'x-download-options', 'referrer-policy']) {
    t.notOk(pageOnly in admin.headers, `${pageOnly}: a document policy, left off JSON answers`)
  }
  t.equal(anonymous.headers['x-content-type-options'], 'nosniff', 'refusals carry them as well')
})

test('/docs (Swagger UI) still works under helmet, with only inline styles allowed beyond the strict policy', async (t) => {
  const app = await build(t, { ADMIN_UI_DIR: fakeUiBuild(t) })
  const page = await app.inject({ url: '/docs/' })
  t.equal(page.statusCode, 200)
  t.match(page.body, 'swagger-ui-bundle.js')
  const csp = cspDirectives(page.headers['content-security-policy'])
  t.equal(csp.get('script-src'), "'self'")
  t.equal(csp.get('style-src'), "'self' 'unsafe-inline'")
  const spec = await app.inject({ url: '/docs/json' })
  t.equal(spec.statusCode, 200)
  t.match(spec.json(), { openapi: /^3\./ })
  t.equal((await app.inject({ url: '/docs/static/swagger-ui.css' })).statusCode, 200)
  t.equal((await app.inject({ url: '/docs/static/swagger-initializer.js' })).statusCode, 200)
})
