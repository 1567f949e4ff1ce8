import { test } from 'tap'
import { meteredUsage } from '#providers/openai-compatible/index.js'
import { toUsage as anthropicUsage } from '#providers/anthropic/response.js'
import { toUsage as geminiUsage } from '#providers/gemini/response.js'
import { tokenDetailsOf } from '#catalog/token-details.js'

test('DeepSeek cache hits count as cache reads unless OpenAI\'s field says so too', async (t) => {
  const deepseek = { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010, prompt_cache_hit_tokens: 400, prompt_cache_miss_tokens: 600 }
  t.same(tokenDetailsOf(meteredUsage(deepseek) as never), { cachedTokens: 400 })
  const both = { ...deepseek, prompt_tokens_details: { cached_tokens: 384 } }
  t.same(tokenDetailsOf(meteredUsage(both) as never), { cachedTokens: 384 }, 'OpenAI\'s own field wins')
  t.equal(meteredUsage(null), null)
})

test('Anthropic cache writes split by lifetime; a 1-hour count above the total is cut to it', async (t) => {
  t.same(anthropicUsage({ input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 300, cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 100 } }),
    { prompt_tokens: 310, completion_tokens: 5, total_tokens: 315, prompt_tokens_details: { cache_write_tokens: 200, cache_write_1h_tokens: 100 } })
  t.same(anthropicUsage({ input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 50, cache_creation: { ephemeral_1h_input_tokens: 5000 } }).prompt_tokens_details,
    { cache_write_1h_tokens: 50 })
})

test('Gemini: tool-use prompt tokens are prompt tokens, thoughts reasoning, audio what the cache did not hold', async (t) => {
  t.same(geminiUsage({
    promptTokenCount: 1000,
    toolUsePromptTokenCount: 40,
    cachedContentTokenCount: 300,
    candidatesTokenCount: 100,
    thoughtsTokenCount: 50,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 500 }, { modality: 'AUDIO', tokenCount: 500 }],
    cacheTokensDetails: [{ modality: 'AUDIO', tokenCount: 300 }],
    candidatesTokensDetails: [{ modality: 'AUDIO', tokenCount: 60 }]
  }), {
    prompt_tokens: 1040,
    completion_tokens: 150,
    total_tokens: 1190,
    prompt_tokens_details: { cached_tokens: 300, audio_tokens: 200 },
    completion_tokens_details: { reasoning_tokens: 50, audio_tokens: 60 }
  })
})

test('hostile counts are not token details: negative, fractional, huge or not numbers', async (t) => {
  t.same(tokenDetailsOf({
    prompt_tokens: 1, completion_tokens: 1, total_tokens: 2,
    prompt_tokens_details: { cached_tokens: -5, cache_write_tokens: 1.5, cache_write_1h_tokens: 2 ** 60, audio_tokens: '7' as unknown as number },
    completion_tokens_details: { reasoning_tokens: Number.NaN }
  }), {})
  t.same(tokenDetailsOf({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, prompt_tokens_details: null, completion_tokens_details: null }), {})
})
