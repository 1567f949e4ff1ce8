import type { LightMyRequestResponse } from 'fastify'
import type { TestContext } from '../../helpers/build.js'
import { bearer } from '../../helpers/build.js'
import { gatewayWithMock, type Gateway } from '../../helpers/gateway.js'

export interface LegacyGateway extends Gateway {
  /** POSTs `payload` to a legacy URL with the gateway's chat key. */
  chatAt: (url: string, payload: Record<string, unknown>, headers?: Record<string, string>) => Promise<LightMyRequestResponse>
}

/** A gateway with one mock provider, for the legacy routes (same as the v2 tests' gateway, any URL). */
export async function legacyGateway (t: TestContext, ...args: Parameters<typeof gatewayWithMock> extends [unknown, ...infer R] ? R : never): Promise<LegacyGateway> {
  const gw = await gatewayWithMock(t, ...args)
  const chatAt = async (url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    await gw.app.inject({ method: 'POST', url, headers: { ...bearer(gw.key), ...headers }, payload })
  return { ...gw, chatAt }
}
