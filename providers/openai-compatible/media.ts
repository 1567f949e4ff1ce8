import { parseJson } from '#upstream/http.js'
import { isCount, requireEmbeddings, requireImages } from '#upstream/answer-check.js'
import { JsonPayload } from '#upstream/payload.js'
import type { EmbeddingsAdapter, EmbeddingsResponse, ImagesAdapter, ImagesResponse, UpstreamCall, Usage } from '#upstream/types.js'

/*
 * OpenAI-compatible embeddings (POST /embeddings) and image generation (POST /images/generations): the
 * request passes through with the upstream model name, and the answer's bytes reach the client untouched.
 */

/** The provider's credential as OpenAI takes it (none for keyless upstreams). */
export function bearerHeaders (call: UpstreamCall): Record<string, string> {
  const { apiKey } = call.provider
  return apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }
}

async function postThrough<T> (
  call: UpstreamCall, path: string, request: object, check: (value: unknown, call: UpstreamCall) => T, usageOf: (value: T) => Usage | undefined
): Promise<JsonPayload<T>> {
  const text = await call.http.postJsonForText(call, { path, headers: bearerHeaders(call), body: JSON.stringify({ ...request, model: call.model }) })
  const value = check(parseJson<unknown>(text, call), call)
  return JsonPayload.fromBoth(text, value).withUsage(usageOf(value))
}

function tokens (prompt: unknown, completion: unknown): Usage {
  const p = typeof prompt === 'number' ? prompt : 0
  const c = typeof completion === 'number' ? completion : 0
  return { prompt_tokens: p, completion_tokens: c, total_tokens: p + c }
}

export const openAIEmbeddings: EmbeddingsAdapter = {
  async create (request, call) {
    // no count (or 0 for a non-empty input) is no usage: the service then charges its estimate, never zero
    return await postThrough(call, '/embeddings', request, requireEmbeddings<EmbeddingsResponse>, (value) =>
      isCount(value.usage?.prompt_tokens) && value.usage.prompt_tokens > 0 ? tokens(value.usage.prompt_tokens, 0) : undefined)
  }
}

export const openAIImages: ImagesAdapter = {
  async generate (request, call) {
    // gpt-image models report tokens; dall-e models report nothing
    return await postThrough(call, '/images/generations', request, requireImages<ImagesResponse>, (value) =>
      value.usage == null ? undefined : tokens(value.usage.input_tokens, value.usage.output_tokens))
  }
}
