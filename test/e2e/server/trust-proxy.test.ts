import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { ConfigError, loadConfig } from '#config.js'
import { adminCall, build } from '../../helpers/build.js'

/** The client address the gateway sees for a request from `peer` carrying `forwardedFor`, as the audit log records it. */
async function clientIp (app: FastifyInstance, peer: string, forwardedFor: string): Promise<string | null> {
  const created = await adminCall(app, { method: 'POST', url: '/api/admin/access-keys', payload: { name: 'x' }, remoteAddress: peer, headers: { 'x-forwarded-for': forwardedFor } })
  if (created.statusCode !== 201) throw new Error(`key creation answered ${created.statusCode}`)
  const audit = await adminCall(app, { url: `/api/admin/audit?targetId=${created.json<{ id: string }>().id}` })
  return audit.json<{ items: Array<{ ip: string | null }> }>().items[0]?.ip ?? null
}

test('TRUST_PROXY takes true/false, a hop count, or proxy addresses and CIDRs', async (t) => {
  t.equal(loadConfig({ TRUST_PROXY: 'FALSE' }).TRUST_PROXY, false)
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY, true)
  t.equal(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY, 1, 'one hop, not "trust everyone"')
  t.equal(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,::1,loopback' }).TRUST_PROXY, '10.0.0.0/8, 192.168.1.7,::1,loopback')
  for (const bad of ['perhaps', '10.0.0.0/33', '1.2.3', '-1', '2.5', '10.0.0.1,', 'fe80::/129']) {
    t.throws(() => loadConfig({ TRUST_PROXY: bad }), ConfigError, bad)
  }
})

test('X-Forwarded-For is believed only from a trusted proxy address', async (t) => {
  const app = await build(t, { TRUST_PROXY: '10.0.0.0/8' })
  t.equal(await clientIp(app, '10.1.2.3', '203.0.113.9'), '203.0.113.9', 'from the proxy range: the forwarded client')
  t.equal(await clientIp(app, '198.51.100.4', '203.0.113.9'), '198.51.100.4', 'from anyone else: the peer itself')
  t.equal(await clientIp(app, '10.1.2.3', '203.0.113.9, 10.9.9.9'), '203.0.113.9', 'a chain of trusted proxies is walked back')
  t.equal(await clientIp(app, '10.1.2.3', '6.6.6.6, 203.0.113.9'), '203.0.113.9', 'what the client claimed before the first untrusted hop is ignored')
})

test('a hop count trusts exactly that many proxies: a client cannot spoof an address further back', async (t) => {
  const app = await build(t, { TRUST_PROXY: '1' })
  t.equal(await clientIp(app, '10.1.2.3', '6.6.6.6, 203.0.113.9'), '203.0.113.9', 'the address the one proxy saw, not the client\'s own claim')
  const two = await build(t, { TRUST_PROXY: '2' })
  t.equal(await clientIp(two, '10.1.2.3', '6.6.6.6, 203.0.113.9, 10.0.0.5'), '203.0.113.9')
})

test('TRUST_PROXY=false ignores X-Forwarded-For', async (t) => {
  const app = await build(t, { TRUST_PROXY: 'false' })
  t.equal(await clientIp(app, '198.51.100.4', '203.0.113.9'), '198.51.100.4')
})
