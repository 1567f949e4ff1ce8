import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { aigneUsageOrZero } from '#protocols/aigne/output.js'
import { aigneConfig, allowedEnvelopeModel } from '#protocols/aigne/route.js'
import { answerWhenReady } from '#protocols/aigne/slow-answer.js'
import { chatContext } from '#gateway/request-context.js'
import { generateVideo } from '#gateway/media-calls.js'
import { BadRequestError } from '#errors.js'
import { AigneVideoOutput, AigneVideoRequest, aigneErrorResponses, MODEL_CALL_ERRORS, VIDEO_SECONDS_LIMIT, type AigneVideoOutputType } from '#schemas/aigne.js'
import { strictBodyValidator } from '#schemas/validator.js'

/** Clip length a provider makes when none is asked for: Sora 4 s, Veo 8 s. */
const DEFAULT_SECONDS = { gemini: 8, other: 4 } as const

/**
 * POST /api/v2/video: the AIGNE protocol's video model call (what `AIGNEHubVideoModel` sends). The gateway starts
 * the provider's job, polls it and answers the MP4 as a base64 file; never streamed.
 */
const aigneVideo: FastifyPluginAsyncTypebox = async (app) => {
  const { VIDEO_POLL_INTERVAL_MS, VIDEO_MAX_POLLS, VIDEO_MAX_BYTES, VIDEO_KEEPALIVE_AFTER_MS } = app.config
  app.post('/', {
    config: aigneConfig('video'),
    schema: {
      tags: ['aigne'],
      summary: 'Generate a video (AIGNE protocol; OpenAI Sora or Gemini Veo)',
      description: `Charged per second of video asked for (catalog secondRate). A video not ready after VIDEO_KEEPALIVE_AFTER_MS gets its 200 headers then, and spaces until the JSON answer; a failure after that comes as the error body with status 200. A download the provider redirects to its storage (Gemini) is followed at most 2 hops, https only, without the provider key, through the address guard; a refused redirect is a 502.`,
      security: [{ bearerAuth: [] }],
      body: AigneVideoRequest,
      response: { 200: AigneVideoOutput, ...aigneErrorResponses(...MODEL_CALL_ERRORS) }
    },
    validatorCompiler: strictBodyValidator
  }, async (request, reply) => {
    const model = allowedEnvelopeModel(request, app.providers.names, 'video')
    // options may sit in modelOptions or next to the prompt (the AIGNE framework merges both, the input winning)
    const input = { ...request.body.input.modelOptions, ...request.body.input } as typeof request.body.input
    const provider = app.providers.registry.get(model.slice(0, model.indexOf('/')))
    const seconds = input.seconds === undefined ? DEFAULT_SECONDS[provider?.kind === 'gemini' ? 'gemini' : 'other'] : Number(input.seconds)
    if (seconds > VIDEO_SECONDS_LIMIT) throw new BadRequestError(`input/seconds must be at most ${VIDEO_SECONDS_LIMIT}`)
    let credits: number | undefined
    const context = { ...chatContext(request, reply), reportCost: (cost: number) => { credits = cost } }
    const answer = generateVideo(app.providers, model, { prompt: input.prompt, seconds, size: input.size, aspectRatio: input.aspectRatio }, context, {
      intervalMs: VIDEO_POLL_INTERVAL_MS, maxPolls: VIDEO_MAX_POLLS, maxBytes: VIDEO_MAX_BYTES
    }).then((video): AigneVideoOutputType => {
      const usage = aigneUsageOrZero(undefined, undefined)
      return {
        videos: [{ type: 'file', data: video.data.toString('base64'), mimeType: video.mimeType, filename: `video-${request.id}.mp4` }],
        usage: credits === undefined ? usage : { ...usage, aigneHubCredits: credits },
        model,
        seconds
      }
    })
    return await answerWhenReady(reply, answer, VIDEO_KEEPALIVE_AFTER_MS)
  })
}

export default aigneVideo
