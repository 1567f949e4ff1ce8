import { test } from 'tap'
import { AIGNEHubChatModel, AIGNEHubImageModel } from '@aigne/aigne-hub'
import { adminCall, build } from '../../helpers/build.js'
import { listen } from './setup.js'

function hubClient (model: AIGNEHubChatModel | AIGNEHubImageModel): { models: () => Promise<any[]> } {
  return (model as unknown as { client: { models: () => Promise<any[]> } }).client
}

test('GET /api/ai/models: public, in the client\'s schema, catalog prices per token, registry models unpriced', async (t) => {
  const app = await build(t, { OPENAI_API_KEY: 'sk-test', OPENAI_MODELS: 'gpt-4o-mini,gpt-4o', GEMINI_API_KEY: 'AIza-test' })
  await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o-mini', inputRate: 0.15, outputRate: 0.6 } })
  await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o', enabled: false } })
  await adminCall(app, { method: 'POST', url: '/api/admin/models', payload: { id: 'anthropic/claude-haiku-4-5', inputRate: 1, outputRate: 5 } })
  const origin = await listen(app)

  // the client's own parser (zod) is the judge of the format; it sends no Authorization. (The hub model's
  // models() is called on the inner client: the wrapper's ignores baseURL and would ask the public hub.)
  const chat = await hubClient(new AIGNEHubChatModel({ baseURL: origin, model: 'aignehub/openai/gpt-4o-mini' })).models()
  // the client's parser keeps only the fields it knows (our `key` is dropped), so entries are named provider/model
  const byKey = new Map(chat.map((m: any) => [`${m.provider}/${m.model}`, m]))
  t.same(byKey.get('openai/gpt-4o-mini'), {
    model: 'gpt-4o-mini',
    type: 'chat',
    provider: 'openai',
    input_credits_per_token: '0.00000015',
    output_credits_per_token: '0.0000006',
    modelMetadata: null,
    providerDisplayName: 'OpenAI',
    status: { available: true }
  })
  t.notOk(byKey.has('openai/gpt-4o'), 'a disabled catalog entry hides the model')
  t.match(byKey.get('anthropic/claude-haiku-4-5'), { input_credits_per_token: '0.000001', providerDisplayName: 'Anthropic', status: { available: false } },
    'a priced model whose provider is not configured is listed as unavailable')
  t.match(byKey.get('gemini/gemini-2.5-flash'), { type: 'chat', input_credits_per_token: '', output_credits_per_token: '', status: { available: true } },
    'a registry model without a catalog entry is listed unpriced')
  t.ok(chat.every((m: any) => m.type === 'chat'))

  const images = await hubClient(new AIGNEHubImageModel({ baseURL: origin, model: 'aignehub/openai/dall-e-3' })).models()
  t.same(images.map((m: any) => `${m.provider}/${m.model}`), [
    'gemini/imagen-3.0-generate-002', 'gemini/imagen-4.0-fast-generate-001', 'gemini/imagen-4.0-generate-001', 'gemini/imagen-4.0-ultra-generate-001',
    'openai/dall-e-2', 'openai/dall-e-3', 'openai/gpt-image-1', 'openai/gpt-image-1-mini'])

  const embeddings = await app.inject({ url: '/api/ai/models?type=embedding' })
  t.same(embeddings.json().map((m: any) => m.key), ['gemini/gemini-embedding-001', 'gemini/text-embedding-004', 'openai/text-embedding-3-large', 'openai/text-embedding-3-small', 'openai/text-embedding-ada-002'])

  const video = await app.inject({ url: '/api/ai/models?type=video' })
  t.same(video.json().map((m: any) => m.key), ['gemini/veo-2.0-generate-001', 'gemini/veo-3.0-fast-generate-001', 'gemini/veo-3.0-generate-001', 'openai/sora-2', 'openai/sora-2-pro'],
    'the video models of the configured providers')

  const bad = await app.inject({ url: '/api/ai/models?type=audio' })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { error: { message: 'querystring/type must be one of: chat, embedding, image, video', type: 'invalid_request_error' }, message: 'querystring/type must be one of: chat, embedding, image, video' })
})
