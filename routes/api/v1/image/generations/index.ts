import { legacyImageRoute } from '#protocols/aikit/routes.js'

/** POST /api/v1/image/generations: AI Kit image generation (deprecated). */
export default legacyImageRoute('Generate images in the AI Kit format (legacy)')
