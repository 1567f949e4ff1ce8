import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net'
import type { TestContext } from './build.js'

export interface Relay {
  /** `targetUrl` with its host and port replaced by the relay's (scheme, credentials, path and query kept). */
  url: string
  port: number
  /** Drops every relayed connection and refuses new ones, as a network failure or a server restart would. */
  cut: () => void
  /** Accepts and relays new connections again. */
  restore: () => void
  /**
   * Stops moving bytes on every connection, open or new, without closing any: a network that drops silently (no
   * reset), so the client only learns of it from its own timeouts.
   */
  freeze: () => void
  /** New connections are relayed again (the frozen ones stay frozen, as after a real partition their peers gave up). */
  thaw: () => void
}

const DEFAULT_PORTS: Record<string, number> = { 'redis:': 6379, 'rediss:': 6379, 'postgres:': 5432, 'postgresql:': 5432 }

/**
 * A loopback TCP relay to the host and port of `targetUrl` (Redis, Postgres) that the test can cut and restore,
 * so an outage of a shared server can be simulated without stopping it; closed on teardown.
 */
export async function startRelay (t: TestContext, targetUrl: string): Promise<Relay> {
  const target = new URL(targetUrl)
  const targetPort = Number(target.port !== '' ? target.port : DEFAULT_PORTS[target.protocol])
  const sockets = new Set<Socket>()
  const pairs = new Set<[Socket, Socket]>()
  let open = true
  let frozen = false
  const server: Server = createServer((client) => {
    if (!open) { client.destroy(); return }
    const upstream = connect(targetPort, target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    if (frozen) { client.pause(); return }
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    client.on('close', () => pairs.delete(pair))
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  const port = (server.address() as AddressInfo).port
  const url = new URL(targetUrl)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  return {
    url: url.toString(),
    port,
    cut: () => { open = false; for (const s of sockets) s.destroy() },
    restore: () => { open = true },
    freeze: () => {
      frozen = true
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream)
        upstream.unpipe(client)
        client.pause()
        upstream.pause()
      }
      pairs.clear()
    },
    thaw: () => { frozen = false }
  }
}
