import type { MockHandler, RecordedRequest } from './mock-server.js'
import { sendJson } from './mock-server.js'

/*
 * Embeddings and image endpoints of the mock providers, in each API's wire format: OpenAI's POST /embeddings
 * and /images/generations (shapes from its API reference), Gemini's models/{m}:embedContent and
 * :batchEmbedContents. Vectors are derived from the input so a test can tell which text became which vector.
 */

/** A small vector that identifies a text: [its length, its first char code, its position]. */
export function vectorFor (text: string, index: number): number[] {
  return [text.length, text.charCodeAt(0), index]
}

function inputs (input: unknown): string[] {
  return (Array.isArray(input) ? input : [input]).map((item) => typeof item === 'string' ? item : JSON.stringify(item))
}

export const openAIMediaMock = {
  embeddings (promptTokens = 6): MockHandler {
    return (req, res) => sendJson(res, 200, {
      object: 'list',
      data: inputs(req.body?.input).map((text, index) => ({ object: 'embedding', index, embedding: vectorFor(text, index) })),
      model: `${String(req.body?.model)}-v2`,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens }
    })
  },

  /** gpt-image style (base64 and token usage) when `b64` is given, dall-e style (URLs, no usage) otherwise. */
  images (answer: { b64?: string, url?: string, revisedPrompt?: string }): MockHandler {
    return (req, res) => {
      const n = typeof req.body?.n === 'number' ? req.body.n : 1
      const one = answer.b64 !== undefined ? { b64_json: answer.b64 } : { url: answer.url ?? 'https://images.example/1.png', ...(answer.revisedPrompt !== undefined ? { revised_prompt: answer.revisedPrompt } : {}) }
      sendJson(res, 200, {
        created: 1741570283,
        data: Array.from({ length: n }, () => one),
        ...(answer.b64 !== undefined ? { usage: { input_tokens: 50, output_tokens: 4160, total_tokens: 4210, input_tokens_details: { text_tokens: 50, image_tokens: 0 } } } : {})
      })
    }
  }
}

export const geminiMediaMock = {
  /** Answers embedContent and batchEmbedContents alike, as the Gemini API does (no usage metadata). */
  embeddings (): MockHandler {
    return (req: RecordedRequest, res) => {
      const textOf = (request: any): string => request?.content?.parts?.[0]?.text ?? ''
      if (req.url.includes(':batchEmbedContents')) {
        const requests: any[] = req.body?.requests ?? []
        return sendJson(res, 200, { embeddings: requests.map((r, i) => ({ values: vectorFor(textOf(r), i) })) })
      }
      sendJson(res, 200, { embedding: { values: vectorFor(textOf(req.body), 0) } })
    }
  }
}

export const imagenMock = {
  /** Imagen's :predict answer: one base64 PNG per requested sample. */
  predict (b64: string): MockHandler {
    return (req, res) => {
      const count = typeof req.body?.parameters?.sampleCount === 'number' ? req.body.parameters.sampleCount : 1
      sendJson(res, 200, { predictions: Array.from({ length: count }, () => ({ bytesBase64Encoded: b64, mimeType: 'image/png' })) })
    }
  }
}

/** Dispatches on the request path (the first key the URL contains), so one mock serves several endpoints. */
export function byPath (handlers: Record<string, MockHandler>): MockHandler {
  return async (req, res) => {
    const match = Object.keys(handlers).find((part) => req.url.includes(part))
    if (match === undefined) return sendJson(res, 404, { error: { message: `no mock for ${req.url}` } })
    await (handlers[match] as MockHandler)(req, res)
  }
}
