import { ApiError, bearerHeaders, errorFrom, isRecord, send } from './http'
import { readEvents } from './sse'

export interface ChatMessage {
  role: 'user' | 'assistant'
  content: string
}

/** OpenAI-format model list (GET /api/v2/models). */
export async function listModels (token: string): Promise<string[]> {
  const res = await send('/api/v2/models', { headers: bearerHeaders(token, false) })
  if (!res.ok) throw await errorFrom(res)
  const body: unknown = await res.json()
  const data = isRecord(body) && Array.isArray(body.data) ? body.data : []
  return data.flatMap((m: unknown) => isRecord(m) && typeof m.id === 'string' ? [m.id] : [])
}

/**
 * POST /api/v2/chat/completions with stream:true, read as server-sent events through fetch's
 * ReadableStream (EventSource cannot send an Authorization header). Calls `onText` per content delta.
 */
export async function streamChat (token: string, model: string, messages: ChatMessage[], onText: (text: string) => void, signal: AbortSignal): Promise<void> {
  const res = await send('/api/v2/chat/completions', {
    method: 'POST',
    headers: { ...bearerHeaders(token, true), accept: 'text/event-stream' },
    body: JSON.stringify({ model, messages, stream: true }),
    signal
  })
  if (!res.ok) throw await errorFrom(res)
  if (res.body === null) throw new ApiError(502, 'The gateway sent an empty answer.')
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    // a gateway or proxy that answered without streaming: show the whole message
    onText(contentOf(await res.json(), 'message'))
    return
  }
  for await (const event of readEvents(res.body, signal)) {
    if (event.data === '[DONE]') return
    let chunk: unknown
    try {
      chunk = JSON.parse(event.data)
    } catch {
      throw new ApiError(502, 'The stream carried something that is not JSON.')
    }
    if (isRecord(chunk) && isRecord(chunk.error)) {
      throw new ApiError(502, typeof chunk.error.message === 'string' ? chunk.error.message : 'The provider failed mid-answer.')
    }
    const text = contentOf(chunk, 'delta')
    if (text !== '') onText(text)
  }
}

function contentOf (body: unknown, field: 'delta' | 'message'): string {
  if (!isRecord(body) || !Array.isArray(body.choices)) return ''
  const choice: unknown = body.choices[0]
  if (!isRecord(choice)) return ''
  const part = choice[field]
  return isRecord(part) && typeof part.content === 'string' ? part.content : ''
}
