import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses } from '#schemas/error.js'
import { AdminUsageQuery, AdminUsageReport } from '#schemas/usage.js'
import type { UsageDimension, UsageRow } from '#store/usage.js'
import { BadRequestError } from '#errors.js'

const CSV_COLUMNS = [
  'requests', 'errors', 'promptTokens', 'completionTokens', 'totalTokens', 'credits',
  'cachedTokens', 'cacheWriteTokens', 'cacheWrite1hTokens', 'reasoningTokens', 'audioInputTokens', 'audioOutputTokens', 'seconds', 'characters'
] as const

function csvCell (value: unknown): string {
  const text = String(value ?? '')
  // quote anything that could break the row or be taken for a spreadsheet formula
  return /[",\n\r]|^[=+\-@]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function toCsv (groupBy: UsageDimension[], rows: UsageRow[]): string {
  const header = [...groupBy, ...CSV_COLUMNS]
  return [header.join(','), ...rows.map((r) => header.map((h) => csvCell(r[h as keyof UsageRow])).join(','))].join('\n') + '\n'
}

/** Usage over a time range grouped by key, app, model, provider and/or day; JSON or CSV. */
const usage: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['admin: usage'],
      summary: 'Usage report (format=csv for a download)',
      querystring: AdminUsageQuery,
      response: { 200: Type.Union([AdminUsageReport, Type.String({ description: 'CSV when format=csv' })]), ...errorResponses(400) }
    }
  }, async (request, reply) => {
    const query = request.query
    const until = query.until === undefined ? new Date(Date.now() + 1000).toISOString() : new Date(query.until).toISOString()
    const since = query.since === undefined ? new Date(Date.parse(until) - 30 * 86_400_000).toISOString() : new Date(query.since).toISOString()
    if (since >= until) throw new BadRequestError('querystring/since must be before until')
    const groupBy = [...new Set(query.groupBy.split(','))] as UsageDimension[]
    await app.metering.recorder.flush()
    const [items, unpricedModels] = await Promise.all([
      app.store.usage.aggregate({ since, until, groupBy, keyId: query.keyId, app: query.app }),
      app.store.usage.unpricedModels(since, until)
    ])
    items.sort((a, b) => groupBy.map((d) => (a[d] ?? '').localeCompare(b[d] ?? '')).find((c) => c !== 0) ?? 0)
    if (query.format === 'csv') {
      return reply.type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="hubgate-usage-${since.slice(0, 10)}-${until.slice(0, 10)}.csv"`)
        .send(toCsv(groupBy, items))
    }
    return { since, until, groupBy, items, unpricedModels }
  })
}

export default usage
