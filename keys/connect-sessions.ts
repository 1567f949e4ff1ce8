import { randomBytes } from 'node:crypto'
import type { Store, StoreTransaction } from '#store/index.js'
import type { ConnectSessionRecord } from '#store/connect-sessions.js'
import type { AccessKey } from '#store/access-keys.js'
import { BadRequestError, ConflictError, ConnectDeniedError, ConnectSessionsFullError, NotFoundError } from '#errors.js'
import type { AccessKeyService, NewKeyInput } from './access-keys.js'
import { encryptForCli } from './connect-cipher.js'
import { CONNECT_SCOPES } from './connect-settings.js'
import { hashSecret } from './key-secrets.js'
import { SecretBox } from './secret-box.js'

/** How long a CLI has, from opening a session, for an admin to approve it and for itself to collect the key. */
export const CONNECT_SESSION_TTL_MS = 10 * 60_000

export type ConnectPoll =
  | { id: string, status: 'pending', expiresAt: string }
  | { accessKeyId: string, accessKeySecret: string, challenge: string }

export interface ConnectSessionServiceOptions {
  store: Store
  serverSecret: Buffer
  accessKeys: AccessKeyService
  /** Unexpired sessions held at once (CONNECT_SESSIONS_MAX). */
  maxLive: number
}

/**
 * `aigne hub connect`: a CLI opens a session without credentials, an admin approves it in the admin UI (creating a key
 * named after the app) or denies it, and the CLI polls until it collects the key's secret, encrypted as the CLI expects.
 * The session id is the CLI's proof: only its HMAC is stored, and an approved key's secret is sealed with the server
 * secret until the CLI deletes the session or it expires. Each session approves at most one key, once.
 */
export class ConnectSessionService {
  private readonly box: SecretBox

  constructor (private readonly options: ConnectSessionServiceOptions) {
    this.box = new SecretBox(options.serverSecret)
  }

  async open (now = Date.now()): Promise<{ id: string }> {
    const sessions = this.options.store.connectSessions
    const createdAt = new Date(now).toISOString()
    await sessions.purgeExpired(createdAt)
    const id = randomBytes(24).toString('base64url')
    const opened = await sessions.open({ idHash: this.hash(id), createdAt, expiresAt: new Date(now + CONNECT_SESSION_TTL_MS).toISOString() }, this.options.maxLive)
    if (!opened) throw new ConnectSessionsFullError()
    return { id }
  }

  /** What the CLI gets while polling: pending, or its key once approved. Unknown or expired: 404; denied: 403. */
  async poll (id: string): Promise<ConnectPoll> {
    const session = await this.live(id, this.options.store)
    if (session.status === 'denied') throw new ConnectDeniedError()
    if (session.status === 'pending') return { id, status: 'pending', expiresAt: session.expiresAt }
    const { keyId, sealedSecret, challenge } = session as ConnectSessionRecord & { keyId: string, sealedSecret: string, challenge: string }
    const secret = this.box.decrypt(sealedSecret, this.binding(session.idHash))
    return { accessKeyId: keyId, accessKeySecret: encryptForCli(secret, keyId, challenge), challenge }
  }

  /** The session as an admin sees it before deciding. */
  async describe (id: string): Promise<ConnectSessionRecord> {
    return await this.live(id, this.options.store)
  }

  /**
   * Creates the key and marks the session approved, in `store`'s transaction (the caller's audited change): when the
   * session was settled meanwhile, the conditional update fails and the key is rolled back with it.
   */
  async approve (id: string, input: NewKeyInput, store: StoreTransaction): Promise<AccessKey> {
    const admin = input.scopes?.find((scope) => !(CONNECT_SCOPES as readonly string[]).includes(scope))
    if (admin !== undefined) throw new BadRequestError(`a connected key cannot have the ${admin} scope; allowed: ${CONNECT_SCOPES.join(', ')}`)
    const session = await this.pending(id, store)
    const { key, secret } = await this.options.accessKeys.create(input, store.accessKeys)
    const approval = { keyId: key.id, sealedSecret: this.box.encrypt(secret, this.binding(session.idHash)), challenge: randomBytes(24).toString('base64url') }
    if (!await store.connectSessions.approve(session.idHash, approval, new Date().toISOString())) throw settledError()
    return key
  }

  async deny (id: string, store: StoreTransaction): Promise<void> {
    const session = await this.pending(id, store)
    if (!await store.connectSessions.deny(session.idHash, new Date().toISOString())) throw settledError()
  }

  /** The CLI is done with it (idempotent: false when there was nothing to delete). */
  async end (id: string): Promise<boolean> {
    return await this.options.store.connectSessions.remove(this.hash(id))
  }

  private async live (id: string, store: Pick<StoreTransaction, 'connectSessions'>): Promise<ConnectSessionRecord> {
    const session = await store.connectSessions.find(this.hash(id), new Date().toISOString())
    if (session === undefined) throw new NotFoundError('This connect session does not exist or has expired (sessions last 10 minutes); run `aigne hub connect` again.')
    return session
  }

  private async pending (id: string, store: StoreTransaction): Promise<ConnectSessionRecord> {
    const session = await this.live(id, store)
    if (session.status !== 'pending') throw settledError(session.status)
    return session
  }

  private hash (id: string): string {
    return hashSecret(this.options.serverSecret, `connect-session:${id}`)
  }

  /** The sealed secret opens only in its own session's row. */
  private binding (idHash: string): string {
    return `connect-session:${idHash}`
  }
}

function settledError (status?: string): Error {
  return new ConflictError(`This connect session was already ${status ?? 'approved or denied'}; each session grants at most one key.`)
}
