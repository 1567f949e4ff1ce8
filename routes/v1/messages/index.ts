import { messagesRoute } from '#protocols/anthropic/routes.js'

/** POST /v1/messages: Anthropic's Messages API, where Anthropic clients given the gateway as base URL send it. */
export default messagesRoute()
