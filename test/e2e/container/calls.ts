import { createServer } from 'node:net'
import { request } from 'undici'
import { sseChunks, streamedText } from '../../helpers/gateway.js'

/** The model the containers' mock provider serves (any OpenAI-compatible name works against the mock). */
export const MODEL = 'openai/gpt-4o-mini'

/** A port nothing listens on now (the containers share the host's network, so each picks its own). */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    }).on('error', reject)
  })
}

/** Polls `url` until it answers 200 (a container's readiness), or fails after `timeoutMs`. */
export async function ready (url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const status = await fetch(url).then((res) => res.status, () => 0)
    if (status === 200) return
    if (Date.now() > until) throw new Error(`${url} answered ${status} after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** An access key with the chat scope, issued with `adminKey`. */
export async function issueKey (origin: string, adminKey: string, name: string): Promise<{ id: string, key: string }> {
  const res = await fetch(`${origin}/api/admin/access-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, scopes: ['chat'] })
  })
  if (res.status !== 201) throw new Error(`issuing a key answered ${res.status}: ${await res.text()}`)
  return await res.json() as { id: string, key: string }
}

/** A streamed chat call as a client makes it; `started` resolves once the first piece arrived. */
export function streamChat (origin: string, key: string): { started: Promise<void>, done: Promise<{ status: number, text: string, body: string }> } {
  let onStart: () => void = () => {}
  const started = new Promise<void>((resolve) => { onStart = resolve })
  const done = (async () => {
    const res = await request(`${origin}/api/v2/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] })
    })
    let body = ''
    for await (const piece of res.body) {
      body += String(piece)
      onStart()
    }
    onStart()
    return { status: res.statusCode, body, text: res.statusCode === 200 ? streamedText(sseChunks(body)) : '' }
  })()
  return { started, done }
}

/** Calls recorded for key `keyId`, as the admin usage report counts them. */
export async function recordedCalls (origin: string, adminKey: string, keyId: string): Promise<number> {
  const res = await fetch(`${origin}/api/admin/usage?groupBy=key&keyId=${encodeURIComponent(keyId)}`, { headers: { authorization: `Bearer ${adminKey}` } })
  if (res.status !== 200) throw new Error(`the usage report answered ${res.status}: ${await res.text()}`)
  const { items } = await res.json() as { items: Array<{ key?: string, requests: number }> }
  return items.filter((item) => item.key === keyId).reduce((sum, item) => sum + item.requests, 0)
}
