import { randomBytes } from 'node:crypto'
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import type { TestContext } from '../helpers/build.js'

/** A key prefix of this test's own; every key under it is deleted on teardown, so runs never collide. */
export function redisPrefix (t: TestContext, redisUrl: string): string {
  const prefix = `hubgate-test-${randomBytes(6).toString('hex')}:`
  t.teardown(async () => {
    const redis = new Redis(redisUrl)
    try {
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
        if (keys.length > 0) await redis.del(...keys)
        cursor = next
      } while (cursor !== '0')
    } finally {
      redis.disconnect()
    }
  })
  return prefix
}

export interface Relay {
  /** redis://127.0.0.1:<relay port> */
  url: string
  /** Drops every relayed connection and refuses new ones (Redis "goes away"). */
  cut: () => void
  restore: () => void
}

/** A loopback TCP relay to `target` (host:port) that the test can cut and restore; closed on teardown. */
export async function startRelay (t: TestContext, targetUrl: string): Promise<Relay> {
  const target = new URL(targetUrl)
  const sockets = new Set<Socket>()
  let open = true
  const server: Server = createServer((client) => {
    if (!open) { client.destroy(); return }
    const upstream = connect(Number(target.port || 6379), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => { open = false; for (const s of sockets) s.destroy() },
    restore: () => { open = true }
  }
}
