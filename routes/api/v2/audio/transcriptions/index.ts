import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { allowedModel, chatContext } from '#gateway/request-context.js'
import { transcribe } from '#gateway/media-calls.js'
import { BadRequestError } from '#errors.js'
import { MODEL_CALL_ERRORS } from '#schemas/aigne.js'
import { TRANSCRIPTION_FORMATS, Transcription } from '#schemas/audio.js'
import { openAIErrorResponses } from '#schemas/openai-error.js'
import type { TranscriptionRequest } from '#upstream/types.js'
import { MODEL_NAME_MAX_LENGTH } from '#keys/model-glob.js'

/** Form fields OpenAI's transcription API takes, by name (arrays as `name[]`); others are refused, not relayed. */
const FIELD_NAME = /^(language|prompt|response_format|temperature|timestamp_granularities\[\]|include\[\]|chunking_strategy|known_speaker_names\[\]|known_speaker_references\[\]|stream)$/
const FIELDS_LIMIT = 20

/** The multipart upload: the model, the audio file (within AUDIO_MAX_BYTES: 413 beyond) and the other fields, checked. */
async function readUpload (request: FastifyRequest): Promise<TranscriptionRequest & { model: string }> {
  let model: string | undefined
  let file: TranscriptionRequest['file'] | undefined
  const fields: Array<[string, string]> = []
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file' || file !== undefined) throw new BadRequestError('body/file: send exactly one file, in the "file" field')
      file = { data: await part.toBuffer(), filename: part.filename === '' ? 'audio' : part.filename, contentType: part.mimetype }
      continue
    }
    const value = String(part.value)
    if (part.fieldname === 'model') model = value
    else if (!FIELD_NAME.test(part.fieldname)) throw new BadRequestError(`body/${part.fieldname.slice(0, 64)} is not a field of a transcription request`)
    else fields.push([part.fieldname, value])
  }
  if (model === undefined || model === '' || model.length > MODEL_NAME_MAX_LENGTH) throw new BadRequestError('body/model must be a model name ("provider/model")')
  if (file === undefined || file.data.length === 0) throw new BadRequestError('body/file must be an audio file')
  const format = fields.find(([name]) => name === 'response_format')?.[1]
  if (format !== undefined && !(TRANSCRIPTION_FORMATS as readonly string[]).includes(format)) {
    throw new BadRequestError(`body/response_format must be one of: ${TRANSCRIPTION_FORMATS.join(', ')}`)
  }
  if (fields.some(([name, value]) => name === 'stream' && value === 'true')) throw new BadRequestError('body/stream: streamed transcription is not supported')
  return { model, file, fields }
}

/** POST /api/v2/audio/transcriptions: OpenAI speech to text (multipart upload), charged per second of audio. */
const transcriptions: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(multipart, { limits: { fileSize: app.config.AUDIO_MAX_BYTES, files: 1, fields: FIELDS_LIMIT, fieldSize: 16 * 1024, parts: FIELDS_LIMIT + 1 } })
  app.post('/', {
    config: { scope: 'audio', errorShape: 'openai' },
    schema: {
      tags: ['openai-compatible'],
      summary: 'Transcribe audio (OpenAI-compatible, multipart/form-data)',
      description: 'Form fields as OpenAI takes them: `file` (at most AUDIO_MAX_BYTES, else 413), `model`, and optionally language, prompt, ' +
        'response_format, temperature, timestamp_granularities[], include[]. Charged per second of audio (catalog secondRate) and any tokens the provider reports.',
      consumes: ['multipart/form-data'],
      security: [{ bearerAuth: [] }],
      response: { 200: Transcription, ...openAIErrorResponses(...MODEL_CALL_ERRORS) }
    }
  }, async (request, reply) => {
    const { model: name, ...upload } = await readUpload(request)
    const model = allowedModel(request, app.providers.names, name, 'transcription')
    const transcription = await transcribe(app.providers, model, upload, chatContext(request, reply))
    return await reply.type(transcription.contentType).send(transcription.body)
  })
}

export default transcriptions
