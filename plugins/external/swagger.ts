import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { UNAUTHORIZED_BODY } from '#errors.js'

/** OpenAPI 3 generated from the route schemas, served at /openapi.json, with a browsable page at /docs. */
export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Hubgate',
        version: '0.1.0',
        description: 'AIGNE-Hub-compatible AI gateway. Every API call carries `Authorization: Bearer <access key>` ' +
          '(or a service JWT). Any authentication or permission failure answers 401 with exactly ' +
          `\`${JSON.stringify(UNAUTHORIZED_BODY)}\`.`
      },
      tags: [{
        name: 'openai-compatible',
        description: 'Each route is served at three base URLs: /api/v2 (shown here), /v1 (`https://host/v1`, like OpenAI\'s) and the ' +
          'origin root (`https://host`): /v1/chat/completions, /chat/completions, /v1/models, … Errors other than 401 have OpenAI\'s ' +
          'shape. /api/v1/* is a different family: the legacy AI Kit routes.'
      }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An access key (hgk_…) issued by an admin, or a service JWT' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An access key, as Anthropic clients send it (Anthropic-compatible routes only)' }
        }
      }
    },
    // route config is not part of the public document
    hideUntagged: false
  })
  // the docs page and its assets are public
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...route.config, public: true }
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: false } })
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger())
}, { name: 'swagger' })
