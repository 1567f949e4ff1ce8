import { legacyChatRoute } from '#protocols/aikit/routes.js'

/** POST /api/v1/chat/completions: AI Kit chat (deprecated). */
export default legacyChatRoute('Chat completion in the AI Kit format (legacy)')
