import AES from 'crypto-js/aes.js'
import encUtf8 from 'crypto-js/enc-utf8.js'
import type { FastifyInstance } from 'fastify'
import { adminCall } from './build.js'
import { connectPassphrase } from '#keys/connect-cipher.js'

export const SESSION_PATH = '/.well-known/service/api/access-key/session'

/** Opens an `aigne hub connect` session as the CLI does (POST, no body, no credentials). */
export async function openSession (app: FastifyInstance): Promise<string> {
  const res = await app.inject({ method: 'POST', url: SESSION_PATH })
  if (res.statusCode !== 200) throw new Error(`open failed: ${res.statusCode} ${res.body}`)
  return res.json<{ id: string }>().id
}

/** An admin approves the session through the admin API (what the approval page sends). */
export async function approve (app: FastifyInstance, sid: string, body: Record<string, unknown> = { name: 'AIGNE CLI' }) {
  return await adminCall(app, { method: 'POST', url: `/api/admin/connect-sessions/approve?sid=${sid}`, payload: body })
}

/** Polls once and opens the delivered secret the way @aigne/cli does (crypto-js AES, PBKDF2 passphrase). */
export async function collect (app: FastifyInstance, sid: string): Promise<{ keyId: string, secret: string }> {
  const res = await app.inject({ url: `${SESSION_PATH}?sid=${sid}` })
  const { accessKeyId, accessKeySecret, challenge } = res.json<{ accessKeyId: string, accessKeySecret: string, challenge: string }>()
  return { keyId: accessKeyId, secret: AES.decrypt(accessKeySecret, connectPassphrase(accessKeyId, challenge)).toString(encUtf8) }
}
