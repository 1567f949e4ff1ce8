/** A failed call, with the gateway's `message` (or the network problem) ready to show to a person. */
export class ApiError extends Error {
  constructor (readonly status: number, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

export function bearerHeaders (token: string, json: boolean): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) }
}

/** fetch that turns "could not connect" into an ApiError with status 0. */
export async function send (path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init)
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err
    throw new ApiError(0, 'Could not reach the gateway. Check that it is running and try again.')
  }
}

/** The readable reason of an error response: `{message}` (gateway), `{error:{message}}` (OpenAI format) or the status. */
export async function errorFrom (res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`.trim()
  try {
    const body: unknown = await res.json()
    if (isRecord(body)) {
      if (typeof body.message === 'string') message = body.message
      else if (isRecord(body.error) && typeof body.error.message === 'string') message = body.error.message
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, message)
}

export function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
