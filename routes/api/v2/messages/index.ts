import { messagesRoute } from '#protocols/anthropic/routes.js'

/** POST /api/v2/messages: the same as /v1/messages, beside the other /api/v2 model routes (left out of the OpenAPI document). */
export default messagesRoute(true)
