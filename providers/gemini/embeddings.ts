import { UnsupportedRequestError } from '#errors.js'
import { parseJson } from '#upstream/http.js'
import { isCount, requireEmbeddings } from '#upstream/answer-check.js'
import { JsonPayload } from '#upstream/payload.js'
import { estimatedTokens } from '#upstream/token-estimate.js'
import type { EmbeddingsAdapter, EmbeddingsRequest, EmbeddingsResponse, UpstreamCall } from '#upstream/types.js'

/**
 * Gemini embeddings: one text goes to models/{model}:embedContent, several to :batchEmbedContents (one
 * request per text, answers in the same order); the answer is translated to OpenAI's list shape.
 */

interface GeminiEmbedding { values: number[] }
interface GeminiEmbeddingAnswer {
  embedding?: GeminiEmbedding
  embeddings?: GeminiEmbedding[]
  /** Reported by newer models only; without it the tokens are estimated from the texts' size. */
  usageMetadata?: { promptTokenCount?: number }
}

function texts (input: EmbeddingsRequest['input']): string[] {
  const list: unknown[] = Array.isArray(input) ? input : [input]
  if (list.some((item) => typeof item !== 'string')) {
    throw new UnsupportedRequestError('Gemini embeds text only: send "input" as a string or an array of strings, not token arrays.')
  }
  return list as string[]
}

function embedRequest (text: string, request: EmbeddingsRequest): Record<string, unknown> {
  return { content: { parts: [{ text }] }, ...(request.dimensions !== undefined ? { outputDimensionality: request.dimensions } : {}) }
}

function isVector (values: unknown): values is number[] {
  return Array.isArray(values) && values.every((n) => typeof n === 'number')
}

/** OpenAI's base64 encoding: the little-endian float32 bytes of the vector. */
function encode (values: number[], format: EmbeddingsRequest['encoding_format']): number[] | string {
  return format === 'base64' ? Buffer.from(new Float32Array(values).buffer).toString('base64') : values
}

async function create (request: EmbeddingsRequest, call: UpstreamCall): Promise<JsonPayload<EmbeddingsResponse>> {
  const inputs = texts(request.input)
  const single = typeof request.input === 'string'
  const body = single
    ? embedRequest(inputs[0] as string, request)
    : { requests: inputs.map((text) => ({ model: `models/${call.model}`, ...embedRequest(text, request) })) }
  const path = `/models/${encodeURIComponent(call.model)}:${single ? 'embedContent' : 'batchEmbedContents'}`
  // the header, not ?key=, so the credential never appears in a URL
  const answer = parseJson<GeminiEmbeddingAnswer>(await call.http.postJsonForText(call, { path, headers: { 'x-goog-api-key': call.provider.apiKey ?? '' }, body: JSON.stringify(body) }), call)
  const vectors = single ? [answer?.embedding] : (answer?.embeddings ?? [])
  // the answer then says (and the call meters) the estimate: an embedding is never free for lack of a count
  const reported: unknown = answer?.usageMetadata?.promptTokenCount
  const prompt = isCount(reported) ? reported : inputs.reduce((sum, text) => sum + estimatedTokens(Buffer.byteLength(text)), 0)
  // Gemini's vectors are lists of numbers: anything else is checked (and refused) as it came, not encoded
  const value: EmbeddingsResponse = requireEmbeddings({
    object: 'list',
    data: Array.isArray(vectors) ? vectors.map((v, index) => ({ object: 'embedding' as const, index, embedding: isVector(v?.values) ? encode(v.values, request.encoding_format) : null })) : null,
    model: call.model,
    usage: { prompt_tokens: prompt, total_tokens: prompt }
  }, call)
  return JsonPayload.fromValue(value).withUsage({ prompt_tokens: prompt, completion_tokens: 0, total_tokens: prompt })
}

export const geminiEmbeddings: EmbeddingsAdapter = { create }
