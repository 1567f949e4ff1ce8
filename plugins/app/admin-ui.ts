import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import type { FastifyReply, FastifyRequest } from 'fastify'

const here = dirname(fileURLToPath(import.meta.url))
// a path whose last segment has an extension names a file, never an in-app page
const FILE_PATH = /\/[^/]*\.[A-Za-z0-9]+$/

/** The Vite build: dist/ui beside the compiled server (dist/plugins/app), or <repo>/dist/ui when run from source. */
export function defaultUiDir (): string {
  return resolve(here, '..', '..', import.meta.url.endsWith('.ts') ? 'dist/ui' : 'ui')
}

/**
 * The admin web UI at /admin: hashed assets cached for a year, every other /admin path answered with
 * index.html so the single-page app can route it. The page shell is public; its data needs an admin key.
 * Without a build the gateway still starts and /admin explains what is missing.
 */
export default fp(async (app) => {
  const root = resolve(app.config.ADMIN_UI_DIR ?? defaultUiDir())
  const indexFile = join(root, 'index.html')
  const built = existsSync(indexFile)
  if (!built) app.log.warn({ dir: root }, 'admin UI is not built (npm run build:ui); /admin answers 503')

  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => { route.config = { ...route.config, public: true } })
    if (built) {
      await scope.register(fastifyStatic, {
        root: join(root, 'assets'), prefix: '/admin/assets/', index: false, immutable: true, maxAge: '365d', decorateReply: false
      })
    }

    const page = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      if (!built) {
        return await reply.code(503).send({ error: 'Service Unavailable', message: 'The admin UI is not built: run "npm run build:ui", then restart the gateway.' })
      }
      if (FILE_PATH.test(request.url.split('?')[0] ?? '')) {
        reply.callNotFound()
        return reply
      }
      // read per request (it is small) so a rebuild is picked up without a restart
      const html = await readFile(indexFile)
      return await reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html)
    }
    scope.get('/admin', { schema: { hide: true } }, page)
    scope.get('/admin/*', { schema: { hide: true } }, page)
  })
}, { name: 'admin-ui' })
