import { legacyChatRoute } from '#protocols/aikit/routes.js'

/** POST /api/v2/completions: AI Kit chat, as AIGNE Hub v2 still answered it (deprecated). */
export default legacyChatRoute('Completion in the AI Kit format (legacy; `prompt` or `messages`)')
