import fp from 'fastify-plugin'
import { context, trace, type Tracer } from '@opentelemetry/api'

declare module 'fastify' {
  interface FastifyInstance {
    /** Tracer for our own spans (auth, upstream call, stream, usage write); a no-op when tracing is off. */
    tracer: Tracer
  }
}

/**
 * OpenTelemetry tracing over OTLP/HTTP, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. Request spans come from
 * @fastify/otel; attributes never carry headers, query strings or secrets. The SDK is loaded only when tracing is
 * on: it is over 10 MB of resident memory a gateway without a collector should not carry.
 */
export default fp(async (app) => {
  const endpoint = app.config.OTEL_EXPORTER_OTLP_ENDPOINT
  if (endpoint === undefined) {
    app.decorate('tracer', trace.getTracer('hubgate'))
    return
  }
  const [{ AsyncLocalStorageContextManager }, { BatchSpanProcessor, NodeTracerProvider }, { OTLPTraceExporter }, { resourceFromAttributes }, { ATTR_SERVICE_NAME, ATTR_URL_PATH }, { FastifyOtelInstrumentation }] = await Promise.all([
    import('@opentelemetry/context-async-hooks'), import('@opentelemetry/sdk-trace-node'), import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'), import('@opentelemetry/semantic-conventions'), import('@fastify/otel')
  ])
  // one context manager per process; a second setGlobalContextManager is a harmless no-op
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: app.config.OTEL_SERVICE_NAME }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint.replace(/\/$/, '') + '/v1/traces' }))]
  })
  const instrumentation = new FastifyOtelInstrumentation({
    ignorePaths: (route: { url: string }) => route.url.startsWith('/health') || route.url.startsWith('/docs'),
    // the path only: a query string is the caller's business and may hold anything
    requestHook: (span, request) => { span.setAttribute(ATTR_URL_PATH, request.url.split('?')[0] ?? '') }
  })
  instrumentation.setTracerProvider(provider)
  await app.register(instrumentation.plugin())
  app.decorate('tracer', provider.getTracer('hubgate'))
  app.addHook('onClose', async () => { await provider.shutdown() })
}, { name: 'otel' })
