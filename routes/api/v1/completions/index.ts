import { legacyChatRoute } from '#protocols/aikit/routes.js'

/** POST /api/v1/completions: AI Kit chat, usually with `prompt` (deprecated). */
export default legacyChatRoute('Completion in the AI Kit format (legacy; `prompt` or `messages`)')
