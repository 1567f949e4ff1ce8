import { Type, type TSchema } from '@sinclair/typebox'

/**
 * A model route's 200: the whole answer as JSON, or with streaming asked for a text/event-stream (described in words:
 * OpenAPI has no schema for a sequence of events). `extra` adds other media types (the legacy routes' text/plain).
 */
export function streamedAnswer (description: string, json: TSchema, streamDescription: string | undefined, extra: Record<string, { schema: TSchema }> = {}): object {
  return {
    description,
    content: {
      'application/json': { schema: json },
      'text/event-stream': { schema: Type.String({ description: streamDescription }) },
      ...extra
    }
  }
}
