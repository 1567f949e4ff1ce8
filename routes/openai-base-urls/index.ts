import type { FastifyPluginAsync } from 'fastify'
import audioSpeech from '../api/v2/audio/speech/index.js'
import audioTranscriptions from '../api/v2/audio/transcriptions/index.js'
import chatCompletions from '../api/v2/chat/completions/index.js'
import embeddings from '../api/v2/embeddings/index.js'
import imageGenerations from '../api/v2/images/generations/index.js'
import models from '../api/v2/models/index.js'
import responses from '../api/v2/responses/index.js'
import storedResponse from '../api/v2/responses/_id/index.js'

/*
 * This folder breaks folder = URL on purpose: it serves the OpenAI-compatible routes of /api/v2 again at the base
 * URLs OpenAI clients are configured with, `/v1` (`https://host/v1`, like OpenAI's own) and the origin root
 * (`https://host`, which some clients take as the base): the same plugins, so the same handlers, checks and auth.
 * `/api/v1/*` is another family (legacy AI Kit) and stays so. The copies are hidden from the OpenAPI document,
 * which describes each route once at /api/v2 and names its other base URLs.
 */
export const prefixOverride = ''

/** Base URLs the OpenAI-compatible routes are also served at; /api/v2 is the documented one. */
export const OPENAI_BASE_URLS = ['/v1', ''] as const

/** The /api/v2 routes OpenAI clients call, by path below the base URL. */
const OPENAI_ROUTES = {
  '/audio/speech': audioSpeech,
  '/audio/transcriptions': audioTranscriptions,
  '/chat/completions': chatCompletions,
  '/embeddings': embeddings,
  '/images/generations': imageGenerations,
  '/models': models,
  '/responses': responses,
  '/responses/:id': storedResponse
}

const openAIBaseUrls: FastifyPluginAsync = async (app, options) => {
  for (const base of OPENAI_BASE_URLS) {
    await app.register(async (scope) => {
      scope.addHook('onRoute', (route) => { route.schema = { ...route.schema, hide: true } })
      for (const [path, plugin] of Object.entries(OPENAI_ROUTES)) await scope.register(plugin, { ...options, prefix: `${base}${path}` })
    })
  }
}

export default openAIBaseUrls
