import { test, type Test } from 'tap'
import { openStore, type Store, type StoreOptions } from '#store/index.js'
import { tempDir } from '../helpers/build.js'
import { needs, postgresEnv, serviceUrl } from '../helpers/services.js'

const NOW = '2026-01-01T00:00:00.000Z'
const LATER = '2026-01-02T00:00:00.000Z'
const MUCH_LATER = '2026-02-01T00:00:00.000Z'

async function open (t: Test, options: StoreOptions): Promise<Store> {
  const store = await openStore(options)
  t.teardown(async () => { await store.close() })
  return store
}

function stored (id: string, keyId: string, expiresAt: string): Parameters<Store['responses']['save']>[0] {
  return {
    id, keyId, model: 'openai/gpt-4o-mini', createdAt: NOW, expiresAt,
    conversation: '[{"role":"user","content":"hi"}]',
    response: `{"id":"${id}"}`,
    items: [{ id: `msg_${id}`, item: `{"id":"msg_${id}","type":"message"}` }]
  }
}

/** Every rule of the responses repository, run on each dialect. */
async function suite (t: Test, store: Store): Promise<void> {
  const repo = store.responses
  await repo.save(stored('resp_a', 'key-1', LATER))
  await repo.save(stored('resp_b', 'key-1', MUCH_LATER))
  t.same(await repo.find('resp_a', 'key-1', NOW), { conversation: '[{"role":"user","content":"hi"}]', response: '{"id":"resp_a"}' })
  t.equal(await repo.find('resp_a', 'key-2', NOW), undefined, 'another key never finds it')
  t.equal(await repo.find('resp_a', 'key-1', LATER), undefined, 'nor anyone once it expired')
  t.same([...(await repo.findItems(['msg_resp_a', 'msg_resp_b', 'msg_zzz'], 'key-1', NOW)).keys()].sort(), ['msg_resp_a', 'msg_resp_b'])
  t.equal((await repo.findItems(['msg_resp_a'], 'key-2', NOW)).size, 0)
  t.equal(await repo.delete('resp_a', 'key-2'), false)
  t.equal(await repo.delete('resp_a', 'key-1'), true)
  t.equal((await repo.findItems(['msg_resp_a'], 'key-1', NOW)).size, 0, 'its items go with it')
  t.equal(await repo.purgeExpired(LATER), 0)
  t.equal(await repo.purgeExpired(MUCH_LATER), 1)
  t.equal((await repo.findItems(['msg_resp_b'], 'key-1', NOW)).size, 0)
}

test('responses repository on SQLite', async (t) => {
  await suite(t, await open(t, { dataDir: tempDir(t) }))
})

test('responses repository on Postgres', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => {
  const env = postgresEnv(t, serviceUrl('TEST_DATABASE_URL'))
  await suite(t, await open(t, { databaseUrl: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, dataDir: tempDir(t) }))
})
