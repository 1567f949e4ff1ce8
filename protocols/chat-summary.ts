import type { ToolCallType } from '#schemas/chat.js'
import type { ChatChunk, ChatCompletion, Usage } from '#upstream/types.js'

/**
 * A chat answer reduced to what the AIGNE and AI Kit formats carry: text, reasoning, complete tool calls
 * (arguments still JSON text) and usage. Built from a whole completion or accumulated from stream chunks.
 */
export interface ChatSummary {
  text: string
  /** Reasoning text some providers send (DeepSeek's reasoning_content, OpenRouter's reasoning). */
  reasoning: string
  toolCalls: ToolCallType[]
  usage: Usage | undefined
}

/** What one stream chunk adds that a client should see at once. */
export interface ChunkPiece {
  text: string
  reasoning: string
  role: string | undefined
}

type Loose = Record<string, unknown>

function reasoningOf (part: Loose | undefined): string {
  const value = part?.reasoning_content ?? part?.reasoning
  return typeof value === 'string' ? value : ''
}

/** `usage`: the payload's, checked (upstream/answer-check.ts); the completion's own field may hold anything. */
export function summarizeCompletion (completion: ChatCompletion, usage: Usage | undefined): ChatSummary {
  const message = completion.choices[0]?.message
  return {
    text: typeof message?.content === 'string' ? message.content : '',
    reasoning: reasoningOf(message),
    toolCalls: message?.tool_calls ?? [],
    usage
  }
}

/** Folds streamed chunks into a ChatSummary; tool-call fragments are joined by their index. */
export class ChunkAccumulator {
  private text = ''
  private reasoning = ''
  private usage: Usage | undefined
  private readonly calls = new Map<number, ToolCallType>()

  add (chunk: ChatChunk): ChunkPiece {
    if (chunk.usage !== undefined) this.usage = chunk.usage
    const delta = chunk.value.choices?.[0]?.delta as (Loose & ChatCompletion['choices'][number]['message']) | undefined
    const piece = { text: typeof delta?.content === 'string' ? delta.content : '', reasoning: reasoningOf(delta), role: delta?.role }
    this.text += piece.text
    this.reasoning += piece.reasoning
    for (const fragment of (delta?.tool_calls ?? []) as Array<Loose & { index?: number }>) this.addToolCall(fragment)
    return piece
  }

  private addToolCall ({ index, function: fn, ...rest }: Loose & { index?: number }): void {
    const at = index ?? this.calls.size
    const { name, arguments: args } = (fn ?? {}) as { name?: string, arguments?: string }
    const call = this.calls.get(at)
    if (call === undefined) {
      // unknown fields (Gemini's extra_content with a thought signature) travel with the call
      this.calls.set(at, { ...rest, id: String(rest.id ?? ''), type: 'function', function: { name: name ?? '', arguments: args ?? '' } })
      return
    }
    if (typeof rest.id === 'string' && rest.id !== '') call.id = rest.id
    if (name !== undefined && name !== '') call.function.name = name
    call.function.arguments += args ?? ''
  }

  summary (): ChatSummary {
    const toolCalls = [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call)
    return { text: this.text, reasoning: this.reasoning, toolCalls, usage: this.usage }
  }
}
