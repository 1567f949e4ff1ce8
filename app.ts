import { randomUUID } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autoload from '@fastify/autoload'
import fp from 'fastify-plugin'
import type { Server } from 'node:http'
import Fastify, { type FastifyHttpOptions, type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { clientErrorHandler, frameworkErrors } from '#http/framework-errors.js'
import { lazyChildLogger } from '#http/lazy-logger.js'
import { LOG_SERIALIZERS } from '#http/log-serializers.js'
import { lazySharedSerializers, lazyValidators } from '#http/schema-compilers.js'
import type { ResolveHost } from '#upstream/address-guard.js'

const here = dirname(fileURLToPath(import.meta.url))

export interface AppOptions {
  config: Config
  /** Where one-time notices meant for the operator (the bootstrap admin key) go; stdout by default. */
  print?: (text: string) => void
  /** How admin-configured providers' host names are resolved for the address guard (tests inject one; default dns.lookup). */
  resolveHost?: ResolveHost
  /** A CA certificate trusted on https connections to providers besides the system's roots (tests' throwaway servers). */
  upstreamCa?: string | Buffer
  /** The wall clock calls are priced by (ms since the epoch; tests set one to price a call at a chosen time). Default Date.now. */
  now?: () => number
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

/** The whole gateway as one Fastify plugin: our plugins first, then the routes, each folder autoloaded. */
async function hubgate (app: FastifyInstance, options: AppOptions): Promise<void> {
  app.decorate('config', options.config)
  await app.register(autoload, { dir: join(here, 'plugins', 'external'), options, forceESM: true })
  await app.register(autoload, { dir: join(here, 'plugins', 'app'), options, forceESM: true })
  // autohooks.ts in a folder sets what every route below it shares (routes/api/admin/autohooks.ts: admin scope, security)
  await app.register(autoload, { dir: join(here, 'routes'), options, forceESM: true, routeParams: true, autoHooks: true, cascadeHooks: true })
}

// not encapsulated, so the decorators (store, accessKeys, …) are visible on the instance buildApp returns
export default fp(hubgate, { name: 'hubgate' })

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Credentials never reach the logs, whatever logger options a caller passes. */
const LOG_REDACTION = {
  paths: [
    'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]',
    'headers.authorization', 'headers.cookie', 'headers["x-api-key"]', '*.apiKey', '*.secret', '*.password', '*.token', '*.key'
  ],
  censor: '[redacted]'
}

/** Server-level options (logger, limits, ids) that must be set when Fastify is constructed. */
export function serverOptions (config: Config): FastifyHttpOptions<Server> {
  return {
    logger: { level: config.LOG_LEVEL, redact: LOG_REDACTION, serializers: LOG_SERIALIZERS },
    // a request gets its pino child (bound to the request id) only once it logs something
    childLoggerFactory: lazyChildLogger,
    bodyLimit: config.BODY_LIMIT,
    // opening the store and migrating can be slow on a loaded machine; fail start-up only when really stuck
    pluginTimeout: 60_000,
    // requestTimeout bounds receiving a request, not streaming the answer; headersTimeout must be below it
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // requireHostHeader: a missing Host is refused by plugins/app/request-hygiene.ts, in the gateway's error shape
    http: { headersTimeout: config.HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000, requireHostHeader: false },
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // requests refused before routing (malformed HTTP, oversized headers, bad URLs) answer { error, message } too
    clientErrorHandler,
    frameworkErrors,
    // accept a caller's request id when it is sane, so logs can be correlated across services
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    // removeAdditional off: a schema that forbids unknown fields reports them (a typo such as "scope") instead of dropping them
    ajv: { customOptions: { allErrors: false, removeAdditional: false } },
    // schemas compile on first use: start-up in well under a second (http/schema-compilers.ts)
    schemaController: { compilersFactory: { buildSerializer: lazySharedSerializers(), buildValidator: lazyValidators() } }
  }
}

/**
 * Fastify trusts no hop for a bare number (it cannot vouch for the direct peer), so a hop count becomes a function:
 * the nearest `hops` addresses (the peer first) are proxies. Right only when clients cannot reach the gateway directly.
 */
function trustProxyOption (setting: Config['TRUST_PROXY']): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting
  return setting === 0 ? false : (_address, hop) => hop < setting
}

/** A ready-to-listen gateway for `config` (used by the server entry, the CLI-free tests and the benchmark). */
export async function buildApp (config: Config, options: Omit<AppOptions, 'config'> = {}, overrides: FastifyHttpOptions<Server> = {}): Promise<FastifyInstance> {
  const base = serverOptions(config)
  // logger options given by a caller (tests capture logs this way) extend ours; redaction always stays
  const logger = typeof overrides.logger === 'object' && overrides.logger !== null
    ? { ...base.logger as object, ...overrides.logger, redact: LOG_REDACTION, serializers: { ...overrides.logger.serializers, ...LOG_SERIALIZERS } }
    : overrides.logger ?? base.logger
  const app = Fastify({ ...base, ...overrides, logger }).withTypeProvider<TypeBoxTypeProvider>()
  await app.register(hubgate, { ...options, config })
  await app.ready()
  return app
}
