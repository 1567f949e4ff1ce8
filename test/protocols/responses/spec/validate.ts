import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

/**
 * Validates answers against OpenAI's published schemas (the fixture extract-schemas.ts made from openai-openapi):
 * each returns the problems found, [] for a valid value.
 */

const doc = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'openai-responses.schema.json'), 'utf8')) as Record<string, unknown>
const ajv = new Ajv2020.default({ strict: false, allErrors: true })
addFormats.default(ajv)
ajv.addFormat('unixtime', true)
ajv.addSchema({ ...doc, $id: 'openai' })

/** Event type → the spec's schema for it. */
const EVENT_SCHEMAS: Record<string, string> = {
  'response.created': 'ResponseCreatedEvent',
  'response.in_progress': 'ResponseInProgressEvent',
  'response.output_item.added': 'ResponseOutputItemAddedEvent',
  'response.content_part.added': 'ResponseContentPartAddedEvent',
  'response.output_text.delta': 'ResponseTextDeltaEvent',
  'response.output_text.done': 'ResponseTextDoneEvent',
  'response.content_part.done': 'ResponseContentPartDoneEvent',
  'response.output_item.done': 'ResponseOutputItemDoneEvent',
  'response.function_call_arguments.delta': 'ResponseFunctionCallArgumentsDeltaEvent',
  'response.function_call_arguments.done': 'ResponseFunctionCallArgumentsDoneEvent',
  'response.completed': 'ResponseCompletedEvent',
  'response.incomplete': 'ResponseIncompleteEvent',
  'response.failed': 'ResponseFailedEvent',
  error: 'ResponseErrorEvent'
}

function check (name: string, value: unknown): string[] {
  const validate = ajv.getSchema(`openai#/$defs/${name}`)
  if (validate === undefined) return [`no schema ${name} in the fixture`]
  if (validate(value) === true) return []
  return (validate.errors ?? []).slice(0, 5).map((e) => `${name}${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
}

export function responseProblems (value: unknown): string[] {
  return check('Response', value)
}

export function eventProblems (event: { type?: unknown }): string[] {
  const name = typeof event.type === 'string' ? EVENT_SCHEMAS[event.type] : undefined
  if (name === undefined) return [`unexpected event type ${String(event.type)}`]
  return check(name, event)
}

/** The events of a Responses SSE body: `event:` name and parsed data; the name must match the data's type. */
export function sseEvents (body: string): Array<{ event: string | undefined, data: Record<string, any> }> {
  return body.split('\n\n').filter((block) => block.trim() !== '').map((block) => {
    const lines = block.split('\n')
    const event = lines.find((l) => l.startsWith('event: '))?.slice(7)
    const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')
    return { event, data: JSON.parse(data) as Record<string, any> }
  })
}
