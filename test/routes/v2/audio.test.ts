import type { AddressInfo } from 'node:net'
import OpenAI, { toFile } from 'openai'
import { test } from 'tap'
import { adminCall, bearer, issueKey } from '../../helpers/build.js'
import { formField, SPEECH_BYTES, speechMock, transcriptionMock } from '../../helpers/mock-media.js'
import { gatewayWithMock } from '../../helpers/gateway.js'

const AUDIO = Buffer.from('fake mp3 bytes '.repeat(400)) // 6000 bytes: at most 6 seconds at 8 kbit/s

async function sdkAt (app: Parameters<typeof issueKey>[0], key: string, base: string): Promise<OpenAI> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}${base}`, maxRetries: 0 })
}

test('the openai SDK transcribes through /v1: charged the seconds the provider measured, in every answer format', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/whisper-1', kind: 'transcription', secondRate: 0.0001 } })
  const { key } = await issueKey(gw.app, { scopes: ['audio'] })
  const client = await sdkAt(gw.app, key, '/v1')
  gw.mock.respond(transcriptionMock())

  const json = await client.audio.transcriptions.create({ model: 'openai/whisper-1', file: await toFile(AUDIO, 'talk.mp3', { type: 'audio/mpeg' }), language: 'en' })
  t.equal(json.text, 'Hello from the audio.')
  const upstream = gw.mock.requests.at(-1)
  t.equal(upstream?.url, '/audio/transcriptions')
  t.equal(formField(upstream!.raw, 'model'), 'whisper-1', 'the upstream model name')
  t.equal(formField(upstream!.raw, 'language'), 'en')
  t.ok(upstream?.raw.includes(AUDIO), 'the file reached the provider whole')
  t.match(gw.usage.at(-1), { kind: 'transcription', model: 'openai/whisper-1', seconds: 3, status: 200 })

  const text = await client.audio.transcriptions.create({ model: 'openai/whisper-1', file: await toFile(AUDIO, 'talk.mp3'), response_format: 'text' })
  t.equal(text, 'Hello from the audio.\n')
  t.equal(formField(gw.mock.requests.at(-1)!.raw, 'response_format'), 'json', 'asked as JSON, which says how long the audio is')
  t.match(gw.usage.at(-1), { seconds: 3 })

  const srt = await client.audio.transcriptions.create({ model: 'openai/whisper-1', file: await toFile(AUDIO, 'talk.mp3'), response_format: 'srt' })
  t.match(srt, /00:00:02,500/)
  t.match(gw.usage.at(-1), { seconds: 2.5 }, 'the last cue\'s end')

  const verbose = await client.audio.transcriptions.create({ model: 'openai/whisper-1', file: await toFile(AUDIO, 'talk.mp3'), response_format: 'verbose_json' })
  t.equal(verbose.duration, 2.5)

  const usage = await adminCall(gw.app, { url: '/api/admin/usage?groupBy=model' })
  const [row] = usage.json().items
  t.match(row, { model: 'openai/whisper-1', requests: 4, seconds: 11 })
  t.ok(Math.abs(row.credits - 11 * 0.0001) < 1e-15, 'credits: 11 s at 0.0001 (summed in floating point)')

  await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/gpt-4o-transcribe', kind: 'transcription', inputRate: 2.5, outputRate: 10, audioInputRate: 6 } })
  await client.audio.transcriptions.create({ model: 'openai/gpt-4o-transcribe', file: await toFile(AUDIO, 'talk.mp3') })
  t.match(gw.usage.at(-1), { promptTokens: 40, completionTokens: 8, audioInputTokens: 40, seconds: 6 }, 'tokens as reported; seconds at the bound when the answer names none')
})

test('the openai SDK speaks through the root base URL: the audio bytes relayed, charged per character', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/tts-1', kind: 'speech', characterRate: 15 } })
  const { key } = await issueKey(gw.app, { scopes: ['audio'] })
  const client = await sdkAt(gw.app, key, '')
  gw.mock.respond(speechMock)

  const spoken = await client.audio.speech.create({ model: 'openai/tts-1', voice: 'alloy', input: 'Héllo, wörld!' })
  t.equal(spoken.headers.get('content-type'), 'audio/mpeg')
  t.same(Buffer.from(await spoken.arrayBuffer()), SPEECH_BYTES)
  t.same(gw.mock.requests.at(-1)?.body, { model: 'tts-1', voice: 'alloy', input: 'Héllo, wörld!' })
  t.match(gw.usage.at(-1), { kind: 'speech', characters: 13, status: 200 })
  const usage = await adminCall(gw.app, { url: '/api/admin/usage?groupBy=model' })
  t.match(usage.json().items, [{ model: 'openai/tts-1', characters: 13, credits: 13 * 15 / 1e6 }])
})

test('audio limits: an upload over AUDIO_MAX_BYTES is a 413, bad fields and models 4xx, the audio scope is needed', async (t) => {
  const gw = await gatewayWithMock(t, 'openai', { AUDIO_MAX_BYTES: '2048' })
  const { key } = await issueKey(gw.app, { scopes: ['audio'] })
  const client = await sdkAt(gw.app, key, '/api/v2')
  gw.mock.respond(transcriptionMock())

  const tooBig = await client.audio.transcriptions.create({ model: 'openai/whisper-1', file: await toFile(Buffer.alloc(4096), 'big.wav') }).catch((err: unknown) => err)
  t.equal((tooBig as { status?: number }).status, 413)
  t.match((tooBig as { error?: unknown }).error, { message: /file/i, type: 'invalid_request_error' })

  const badFormat = await client.audio.transcriptions.create({ model: 'openai/whisper-1', file: await toFile(AUDIO.subarray(0, 100), 'a.mp3'), response_format: 'xml' as 'json' }).catch((err: unknown) => err)
  t.equal((badFormat as { status?: number }).status, 400)
  const noProvider = await client.audio.transcriptions.create({ model: 'nope/whisper-1', file: await toFile(AUDIO.subarray(0, 100), 'a.mp3') }).catch((err: unknown) => err)
  t.equal((noProvider as { status?: number }).status, 400)

  const speech = async (payload: Record<string, unknown>, apiKey = key): Promise<number> =>
    (await gw.app.inject({ method: 'POST', url: '/v1/audio/speech', headers: bearer(apiKey), payload })).statusCode
  t.equal(await speech({ model: 'openai/tts-1', input: 'hi' }), 400, 'no voice')
  t.equal(await speech({ model: 'openai/tts-1', voice: 'alloy', input: 'x'.repeat(4097) }), 400, 'input over 4096 characters')
  t.equal(await speech({ model: 'openai/tts-1', voice: 'alloy', input: 'hi', stream_format: 'sse' }), 400)
  t.equal(await speech({ model: 'openai/tts-1', voice: 'alloy', input: 'hi' }, (await issueKey(gw.app, { scopes: ['chat'] })).key), 401)
  t.equal(gw.mock.requests.length, 0, 'nothing reached the provider')
})

test('budgets hold for speech: a key that cannot pay for the characters is refused before the provider', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/tts-1', kind: 'speech', characterRate: 1_000_000 } })
  const { key } = await issueKey(gw.app, { scopes: ['audio'], creditLimit: 5 })
  gw.mock.respond(speechMock)
  const res = await gw.app.inject({ method: 'POST', url: '/v1/audio/speech', headers: bearer(key), payload: { model: 'openai/tts-1', voice: 'alloy', input: 'six ch' } })
  t.equal(res.statusCode, 402)
  t.equal(gw.mock.requests.length, 0)
})

test('budgets hold for transcriptions under concurrency: parallel uploads reserve their longest length, no more pass', async (t) => {
  const gw = await gatewayWithMock(t, 'openai')
  await adminCall(gw.app, { method: 'POST', url: '/api/admin/models', payload: { id: 'openai/whisper-1', kind: 'transcription', secondRate: 1 } })
  // each upload may be up to 6 s long (6000 bytes at 8 kbit/s): 6 credits reserved; 13 fit two at a time
  const { key } = await issueKey(gw.app, { scopes: ['audio'], creditLimit: 13 })
  const client = await sdkAt(gw.app, key, '/v1')
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  gw.mock.respond(async (req, res) => { await held; await transcriptionMock()(req, res) })
  let decided = 0
  const calls = Array.from({ length: 5 }, async () => await client.audio.transcriptions.create({ model: 'openai/whisper-1', file: await toFile(AUDIO, 'talk.mp3') })
    .then(() => 200, (err: { status?: number }) => { decided++; return err.status ?? 0 }))
  // the provider holds the admitted ones until every upload is admitted or refused, so all reservations overlap
  while (gw.mock.requests.length + decided < 5) await new Promise((resolve) => setTimeout(resolve, 10))
  release()
  const statuses = await Promise.all(calls)
  t.same(statuses.filter((s) => s === 200).length, 2, 'two admitted')
  t.same(statuses.filter((s) => s === 402).length, 3, 'the rest refused for credits')
  t.equal(gw.mock.requests.length, 2, 'refused uploads never reached the provider')
})
