import { legacyEmbeddingsRoute } from '#protocols/aikit/routes.js'

/** POST /api/v1/embeddings: AI Kit embeddings (deprecated). */
export default legacyEmbeddingsRoute('Create embeddings in the AI Kit format (legacy)')
