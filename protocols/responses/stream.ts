import type { JsonPayload } from '#upstream/payload.js'
import type { OutputItem, ResponseObjectType } from '#schemas/responses.js'
import type { StreamFormat } from '#upstream/stream-body.js'
import type { ChatCompletionChunk, Usage } from '#upstream/types.js'
import { incompleteReason, messageItem, newId, responseObject, type ResponsePlan } from './response.js'

/** What a failure mid-stream says to the client: OpenAI's error event fields. */
export interface StreamFailure { code: string, message: string }

/** Called once the answer is complete, with the final response object (to store it). */
export type OnResponseDone = (response: ResponseObjectType) => void

function frame (type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`
}

interface OpenText { kind: 'text', index: number, id: string, text: string }
interface OpenCall { kind: 'call', index: number, id: string, callId: string, name: string, arguments: string }

/**
 * Chat chunks → Responses events, as OpenAI sends them: the response is created and in progress; text opens a
 * message item with one output_text part and streams deltas; each tool call opens a function_call item and streams
 * its arguments; an item is done when the next begins or the answer ends; then response.completed (or
 * response.incomplete at max_output_tokens) carries the whole response with its usage. Every event is numbered.
 */
export class ResponsesEventWriter {
  private sequence = 0
  private readonly output: OutputItem[] = []
  private open: OpenText | OpenCall | undefined
  /** Open function_call items by the chat chunk's tool-call index. */
  private readonly calls = new Map<number, OpenCall>()
  private finish: string | null | undefined
  private usage: Usage | undefined

  constructor (private readonly plan: ResponsePlan) {}

  private event (type: string, data: Record<string, unknown>): string {
    return frame(type, { ...data, sequence_number: this.sequence++ })
  }

  start (): string {
    const response = responseObject(this.plan, { status: 'in_progress', output: [] })
    return this.event('response.created', { response }) + this.event('response.in_progress', { response })
  }

  chunk (chunk: ChatCompletionChunk): string {
    if (chunk.usage != null) this.usage = chunk.usage
    const choice = chunk.choices[0]
    if (choice === undefined) return ''
    let out = ''
    const text = choice.delta.content
    if (typeof text === 'string' && text !== '') out += this.text(text)
    for (const delta of choice.delta.tool_calls ?? []) out += this.toolCall(delta)
    if (choice.finish_reason != null) this.finish = choice.finish_reason
    return out
  }

  private text (delta: string): string {
    let out = ''
    let open = this.open
    if (open?.kind !== 'text') {
      out += this.closeOpen()
      open = { kind: 'text', index: this.output.length, id: newId('msg'), text: '' }
      this.open = open
      this.output.push({ id: open.id, type: 'message', status: 'in_progress', role: 'assistant', content: [] })
      out += this.event('response.output_item.added', { output_index: open.index, item: this.output[open.index] })
      out += this.event('response.content_part.added', {
        item_id: open.id, output_index: open.index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] }
      })
    }
    open.text += delta
    return out + this.event('response.output_text.delta', { item_id: open.id, output_index: open.index, content_index: 0, delta, logprobs: [] })
  }

  private toolCall (delta: NonNullable<ChatCompletionChunk['choices'][number]['delta']['tool_calls']>[number]): string {
    let out = ''
    let call = this.calls.get(delta.index)
    if (call === undefined) {
      out += this.closeOpen()
      call = { kind: 'call', index: this.output.length, id: newId('fc'), callId: delta.id ?? newId('fc'), name: delta.function?.name ?? '', arguments: '' }
      this.calls.set(delta.index, call)
      this.open = call
      this.output.push(this.callItem(call, 'in_progress'))
      out += this.event('response.output_item.added', { output_index: call.index, item: this.output[call.index] })
    }
    const piece = delta.function?.arguments ?? ''
    if (piece === '') return out
    call.arguments += piece
    return out + this.event('response.function_call_arguments.delta', { item_id: call.id, output_index: call.index, delta: piece })
  }

  private callItem (call: OpenCall, status: OutputItem['status']): OutputItem {
    return { id: call.id, type: 'function_call', status, call_id: call.callId, name: call.name, arguments: status === 'in_progress' ? '' : call.arguments }
  }

  /** The events that finish the item being streamed, if any. */
  private closeOpen (): string {
    const open = this.open
    if (open === undefined) return ''
    this.open = undefined
    const status = incompleteReason(this.finish) === undefined ? 'completed' : 'incomplete'
    if (open.kind === 'call') {
      const item = this.callItem(open, 'completed')
      this.output[open.index] = item
      return this.event('response.function_call_arguments.done', { item_id: open.id, output_index: open.index, name: open.name, arguments: open.arguments }) +
        this.event('response.output_item.done', { output_index: open.index, item })
    }
    const item = messageItem(open.id, open.text, status)
    this.output[open.index] = item
    const part = item.type === 'message' ? item.content[0] : undefined
    const at = { item_id: open.id, output_index: open.index, content_index: 0 }
    return this.event('response.output_text.done', { ...at, text: open.text, logprobs: [] }) +
      this.event('response.content_part.done', { ...at, part }) +
      this.event('response.output_item.done', { output_index: open.index, item })
  }

  /** The last events of a complete answer; `done` gets the final response. */
  end (done: OnResponseDone): string {
    const closing = this.closeOpen()
    const reason = incompleteReason(this.finish)
    const response = responseObject(this.plan, { status: reason === undefined ? 'completed' : 'incomplete', output: this.output, usage: this.usage, incompleteReason: reason })
    done(response)
    return closing + this.event(reason === undefined ? 'response.completed' : 'response.incomplete', { response })
  }

  /** A failure after the stream started: OpenAI's `error` event, then response.failed with what was produced. */
  fail (failure: StreamFailure): string {
    const response = responseObject(this.plan, { status: 'failed', output: this.output, usage: this.usage, error: failure })
    return this.event('error', { code: failure.code, message: failure.message, param: null }) + this.event('response.failed', { response })
  }
}

/** The client-facing stream of a translated call (chat chunks from any provider → Responses events). */
export function responsesStreamFormat (plan: ResponsePlan, describe: (err: unknown) => StreamFailure, done: OnResponseDone): StreamFormat {
  const writer = new ResponsesEventWriter(plan)
  return {
    open: () => writer.start(),
    chunk: (chunk) => writer.chunk(chunk.value),
    close: () => writer.end(done),
    fail: (err) => writer.fail(describe(err))
  }
}

// the event type leads OpenAI's data ({"type":"response.output_text.delta",…}): read without parsing the event
const LEADING_TYPE = /^\s*\{\s*"type"\s*:\s*"([a-z_.]{1,100})"/
const TERMINAL = /^\s*\{\s*"type"\s*:\s*"response\.(completed|incomplete)"/
const SEQUENCE = /"sequence_number"\s*:\s*(\d{1,15})\s*[,}]\s*$/

/**
 * The client-facing stream of an OpenAI upstream's own Responses events, relayed byte for byte (each framed with its
 * `event:` name, as OpenAI frames them). The final response object is read from response.completed / .incomplete
 * for the stored conversation; a failure after the stream started is an `error` event numbered after the last one.
 */
export function nativeStreamFormat (describe: (err: unknown) => StreamFailure, done: OnResponseDone): StreamFormat<JsonPayload<unknown>> {
  let next = 0
  return {
    open: () => '',
    chunk: (chunk) => {
      const { text } = chunk
      const sequence = SEQUENCE.exec(text)?.[1]
      if (sequence !== undefined) next = Number(sequence) + 1
      if (TERMINAL.test(text)) {
        const response = (chunk.value as { response?: ResponseObjectType }).response
        if (response !== undefined) done(response)
      }
      const type = LEADING_TYPE.exec(text)?.[1]
      const data = text.includes('\n') ? text.replace(/\r?\n/g, '\ndata: ') : text
      return `${type !== undefined ? `event: ${type}\n` : ''}data: ${data}\n\n`
    },
    close: () => '',
    fail: (err) => {
      const { code, message } = describe(err)
      return frame('error', { code, message, param: null, sequence_number: next })
    }
  }
}
