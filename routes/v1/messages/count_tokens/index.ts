import { countTokensRoute } from '#protocols/anthropic/routes.js'

/** POST /v1/messages/count_tokens: Anthropic's token count. */
export default countTokensRoute()
