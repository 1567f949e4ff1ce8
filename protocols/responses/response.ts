import { randomBytes } from 'node:crypto'
import type { OutputItem, ResponseObjectType, ResponsesRequestType, ResponseUsageType } from '#schemas/responses.js'
import type { ChatCompletion, Usage } from '#upstream/types.js'
import { toResponseUsage } from './usage.js'

/** An id in OpenAI's style: `resp_…`, `msg_…`, `fc_…` and 48 hex digits. */
export function newId (prefix: 'resp' | 'msg' | 'fc'): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`
}

/** The response being made for one request: its id, when it began, and what was asked (echoed in the object). */
export interface ResponsePlan {
  id: string
  createdAt: number
  request: ResponsesRequestType
  /** False for store: false (nothing is kept); the object says so. */
  store: boolean
}

export function responsePlan (request: ResponsesRequestType): ResponsePlan {
  return { id: newId('resp'), createdAt: Math.floor(Date.now() / 1000), request, store: request.store !== false }
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed'

export interface ResponseOutcome {
  status: ResponseStatus
  output: OutputItem[]
  usage?: Usage | undefined
  /** Why the answer stopped short (status incomplete). */
  incompleteReason?: 'max_output_tokens' | 'content_filter' | undefined
  /** What failed (status failed). */
  error?: { code: string, message: string } | undefined
}

/** The response object as OpenAI shapes it, every field present, echoing the request's settings. */
export function responseObject (plan: ResponsePlan, outcome: ResponseOutcome): ResponseObjectType {
  const { request } = plan
  return {
    id: plan.id,
    object: 'response',
    created_at: plan.createdAt,
    status: outcome.status,
    background: false,
    completed_at: outcome.status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: outcome.error ?? null,
    incomplete_details: outcome.incompleteReason !== undefined ? { reason: outcome.incompleteReason } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: null,
    model: request.model,
    output: outcome.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: plan.store,
    temperature: request.temperature ?? 1,
    text: { format: request.text?.format ?? { type: 'text' }, verbosity: 'medium' },
    tool_choice: request.tool_choice ?? 'auto',
    tools: (request.tools ?? []).map((tool) => ({
      type: 'function', name: tool.name, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict ?? null
    })),
    top_logprobs: 0,
    top_p: request.top_p ?? 1,
    truncation: 'disabled',
    // left out rather than null when unknown: OpenAI's schema types them as present-or-absent, not nullable
    ...(outcome.usage !== undefined ? { usage: toResponseUsage(outcome.usage) } : {}),
    ...(request.user !== undefined ? { user: request.user } : {}),
    metadata: request.metadata ?? {}
  } satisfies ResponseObjectType & { usage?: ResponseUsageType }
}

/** A message item holding `text` as one output_text part. */
export function messageItem (id: string, text: string, status: OutputItem['status']): OutputItem {
  return { id, type: 'message', status, role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] }
}

/** How a chat answer's finish reason reads in a response: why it is incomplete, if it is. */
export function incompleteReason (finish: string | null | undefined): ResponseOutcome['incompleteReason'] {
  if (finish === 'length') return 'max_output_tokens'
  if (finish === 'content_filter') return 'content_filter'
  return undefined
}

function textOf (content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((part: { text?: unknown }) => typeof part?.text === 'string' ? part.text : '').join('')
}

/** A chat provider's answer as a response: its text as a message item, then one function_call item per tool call. */
export function fromCompletion (plan: ResponsePlan, completion: ChatCompletion, usage: Usage | undefined): ResponseObjectType {
  const choice = completion.choices[0]
  const reason = incompleteReason(choice?.finish_reason)
  const itemStatus = reason === undefined ? 'completed' : 'incomplete'
  const output: OutputItem[] = []
  const text = textOf(choice?.message?.content)
  if (text !== '') output.push(messageItem(newId('msg'), text, itemStatus))
  for (const call of choice?.message?.tool_calls ?? []) {
    output.push({ id: newId('fc'), type: 'function_call', status: 'completed', call_id: call.id, name: call.function.name, arguments: call.function.arguments })
  }
  return responseObject(plan, { status: reason === undefined ? 'completed' : 'incomplete', output, usage, incompleteReason: reason })
}
