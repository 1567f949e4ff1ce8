import { userInfo } from 'node:os'
import { loadConfig } from '#config.js'
import { AccessKeyService, keyStatus } from '#keys/access-keys.js'
import { ConflictError, NotFoundError } from '#errors.js'
import { loadServerSecret } from '#keys/server-secret.js'
import { openStore, storeOptions, type Store, type StoreTransaction } from '#store/index.js'
import type { AccessKey } from '#store/access-keys.js'
import type { CreditPeriod } from '#schemas/principal.js'
import { describeKey, issuedText, keyTable } from './format.js'
import type { Values } from './keys.js'

/** What the keys CLI does once its arguments are known to be well-formed; each returns the text to print. */

interface Context {
  service: AccessKeyService
  store: Store
  args: string[]
  values: Values
}

const COMMANDS: Record<string, (ctx: Context) => Promise<string>> = {
  async create ({ service, store, values }) {
    const { key, secret } = await audited(store, 'access_key.created', async ({ accessKeys }) => {
      const issued = await service.create({
        name: values.name ?? '',
        scopes: list(values.scopes),
        models: list(values.models),
        expiresAt: values.expires ?? null,
        // the service checks the ranges and the period, as the admin API's schema does
        creditLimit: optionalNumber(values['credit-limit']),
        creditPeriod: values['credit-period'] as CreditPeriod | undefined,
        perAppCreditLimit: optionalNumber(values['per-app-credit-limit']),
        rpm: optionalNumber(values.rpm),
        tpm: optionalNumber(values.tpm),
        maxConcurrent: optionalNumber(values['max-concurrent']),
        createdBy: actor()
      }, accessKeys)
      const { key } = issued
      return { result: issued, targetId: key.id, details: { name: key.name, scopes: key.scopes, models: key.models } }
    })
    return values.json === true ? json({ ...view(key), key: secret }) : issuedText('Created', view(key), secret)
  },

  async list ({ service, values }) {
    const search = values.search === '' ? undefined : values.search
    const { items, total } = await service.list({ limit: Number(values.limit ?? 100), offset: Number(values.offset ?? 0), search })
    return values.json === true ? json({ items: items.map(view), total }) : keyTable(items.map(view), total)
  },

  async revoke ({ service, store, args: [id = ''], values }) {
    const key = await audited(store, 'access_key.revoked', async ({ accessKeys }) => ({ result: found(await service.revoke(id, accessKeys), id), targetId: id }))
    return values.json === true ? json(view(key)) : `Revoked ${describeKey(view(key))}\n`
  },

  async rotate ({ service, store, args: [id = ''], values }) {
    const graceSeconds = Number(values['grace-seconds'] ?? 0)
    const issued = await audited(store, 'access_key.rotated', async ({ accessKeys }) => {
      const rotated = await service.rotate(id, graceSeconds, accessKeys)
      if (rotated === undefined) {
        found(await accessKeys.findById(id), id)
        throw new ConflictError(`access key ${id} is revoked and cannot be rotated`)
      }
      return { result: rotated, targetId: id, details: { graceSeconds } }
    })
    return values.json === true ? json({ ...view(issued.key), key: issued.secret }) : issuedText('Rotated', view(issued.key), issued.secret)
  }
}

/** Loads the server's configuration from `env`, opens its store and runs `command` on it. */
export async function runCommand (command: string, args: string[], values: Values, env: NodeJS.ProcessEnv): Promise<string> {
  const run = COMMANDS[command]
  if (run === undefined) throw new Error(`no such command: ${command}`)
  const config = loadConfig(env)
  const store = await openStore(storeOptions(config))
  const service = new AccessKeyService({
    store,
    serverSecret: loadServerSecret(config.SERVER_SECRET, config.DATA_DIR),
    cacheTtlMs: 0,
    cacheSize: 1,
    lastUsedFlushMs: 60_000,
    log: { warn: () => {}, error: () => {} }
  })
  try {
    return await run({ service, store, args, values })
  } finally {
    await service.close()
    await store.close()
  }
}

function view (key: AccessKey): AccessKey & { status: string } {
  return { ...key, status: keyStatus(key) }
}

function json (value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n'
}

/** "chat, embeddings" → ['chat', 'embeddings']; an empty list is left for the service to refuse. */
/** A number option as given; "abc" becomes NaN, which the service refuses with its message. */
function optionalNumber (value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value)
}

function list (value: string | undefined): string[] | undefined {
  return value?.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function found (key: AccessKey | undefined, id: string): AccessKey {
  if (key === undefined) throw new NotFoundError(`access key ${id} not found`)
  return key
}

/** The operating system user running the CLI, as the audit log names it. */
function actor (): string {
  let user = 'unknown'
  try { user = userInfo().username } catch {}
  return `cli:${user}`
}

/** CLI key changes land in the same audit log as the admin API's, in one transaction with their line: both or neither. */
async function audited<T> (store: Store, action: string, change: (tx: StoreTransaction) => Promise<{ result: T, targetId: string, details?: Record<string, unknown> }>): Promise<T> {
  return await store.transaction(async (tx) => {
    const { result, targetId, details } = await change(tx)
    await tx.audit.record({ actor: actor(), action, targetType: 'access_key', targetId, ip: null, details: details ?? null })
    return result
  })
}
