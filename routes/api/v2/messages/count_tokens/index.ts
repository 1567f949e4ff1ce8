import { countTokensRoute } from '#protocols/anthropic/routes.js'

/** POST /api/v2/messages/count_tokens: the same as /v1/messages/count_tokens (left out of the OpenAPI document). */
export default countTokensRoute(true)
