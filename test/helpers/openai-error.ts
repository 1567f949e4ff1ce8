/** The body of an OpenAI-shaped error answer (protocols/openai/errors.ts), for exact comparisons. */
export function openAIError (message: string, type: string, code: string | null, param: string | null = null): object {
  return { error: { message, type, param, code }, message }
}

/** The event ending an OpenAI stream that failed after it started. */
export function openAIStreamError (message: string, code: string | null, type = 'api_error'): object {
  return { error: { message, type, param: null, code } }
}

/** What `t.match` checks of an OpenAI-shaped error answer when its code and param do not matter to the test. */
export function openAIErrorLike (message: string | RegExp, type = 'invalid_request_error'): object {
  return { error: { message, type }, message }
}
