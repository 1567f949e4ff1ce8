import { legacyImageRoute } from '#protocols/aikit/routes.js'

/** POST /api/v2/image/generations: AI Kit image generation, as AIGNE Hub v2 answered it (deprecated). */
export default legacyImageRoute('Generate images in the AI Kit format (legacy)')
