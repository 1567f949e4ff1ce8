import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Discovery } from '#schemas/aigne.js'

/*
 * This folder breaks folder = URL on purpose: autoload's routeParams option turns "__" in a folder name into
 * a route parameter, so /__blocklet__.js cannot be a folder; the plugin names its own URL instead.
 */
export const prefixOverride = ''

/** The component id AIGNE clients look for (`AIGNE_HUB_BLOCKLET_DID` in @aigne/aigne-hub). */
export const AIGNE_HUB_DID = 'z8ia3xzq2tMq8CRHfaXj1BTYJyYnEcHbqP8cJ'

/**
 * GET /__blocklet__.js: Blocklet discovery, which AIGNE clients fetch at the origin root (no credentials)
 * to learn the path prefix of the API. With ?type=json the answer is JSON; otherwise the script form
 * a browser page would load.
 */
const discovery: FastifyPluginAsyncTypebox = async (app) => {
  const mountPoint = app.config.AIGNE_MOUNT_POINT.replace(/(?<=.)\/+$/, '')
  const answer = { componentMountPoints: [{ did: AIGNE_HUB_DID, name: 'ai-kit', title: 'Hubgate', mountPoint }] }

  app.get('/__blocklet__.js', {
    config: { public: true },
    schema: {
      tags: ['aigne'],
      summary: 'Discovery for AIGNE clients: where the API is mounted',
      querystring: Type.Object({ type: Type.Optional(Type.String()) }),
      response: {
        200: {
          description: 'JSON with ?type=json, else `window.blocklet = {…};`',
          content: {
            'application/json': { schema: Discovery },
            'application/javascript': { schema: Type.String() }
          }
        }
      }
    }
  }, async (request, reply) => {
    if (request.query.type === 'json') return answer
    return await reply.type('application/javascript; charset=utf-8').send(`window.blocklet = ${JSON.stringify(answer)};\n`)
  })
}

export default discovery
