import t0, { test } from 'tap'
import pg from 'pg'
import { openAIMock } from '../helpers/mock-openai.js'
import { ADMIN_KEY } from '../helpers/build.js'
import { eventually } from '../helpers/wait.js'
import { chat, chatBody, MODEL, needsPostgresAndRedis, startCluster } from './cluster.js'

const REPLICAS = 3
// three server processes compiling the TypeScript tree at once dominate this file's time on a busy 2-core machine;
// the one cluster is shared by every check below so it starts only once
t0.setTimeout(240_000)

test('three replicas on one Postgres and one Redis act as one gateway', needsPostgresAndRedis(), async (t) => {
  const cluster = await startCluster(t, REPLICAS)
  cluster.mock.respond(openAIMock.answer({ content: 'ok', usage: { prompt_tokens: 40, completion_tokens: 60 } }))
  const everyReplica = Array.from({ length: REPLICAS }, (_, i) => i)
  /** Usage records of `keyId` in the shared store. */
  const recorded = async (keyId: string): Promise<{ rows: number, credits: number }> => {
    const client = new pg.Client({ connectionString: cluster.database.DATABASE_URL })
    await client.connect()
    try {
      const res = await client.query(`select count(*)::int as rows, coalesce(sum(credits), 0)::float as credits from "${cluster.database.DATABASE_SCHEMA}".usage_records where key_id = $1`, [keyId])
      return res.rows[0] as { rows: number, credits: number }
    } finally {
      await client.end()
    }
  }

  await t.test('a key issued on one replica works on all; revoked there, every replica refuses it within 1 s', async (t) => {
    const { id, key } = await cluster.issueKey({ name: 'shared', scopes: ['chat'] })
    for (const i of everyReplica) t.equal(await chat(cluster, i, key), 200, `accepted (and cached) by replica ${i}`)
    const revoked = await cluster.call(0, `/api/admin/access-keys/${id}/revoke`, ADMIN_KEY, { method: 'POST' })
    t.equal(revoked.status, 200)
    const refusedEverywhere = async (): Promise<boolean> => (await Promise.all(everyReplica.map(async (i) => await chat(cluster, i, key)))).every((s) => s === 401)
    t.ok(await eventually(refusedEverywhere, 1_000), 'every replica answers 401 within a second of the revocation')
  })

  await t.test('300 concurrent requests over all replicas against one credit limit never overspend', async (t) => {
    const priced = await cluster.call(0, '/api/admin/models', ADMIN_KEY, { body: { id: MODEL, inputRate: 1000, outputRate: 1000 } })
    t.equal(priced.status, 201, 'catalog price set through the admin API')
    // worst case per request: prompt bytes + max_tokens, at 1000 credits per 1M tokens
    const estimate = (Buffer.byteLength(JSON.stringify(chatBody.messages)) + Buffer.byteLength('[]') + chatBody.max_tokens) * 1000 / 1e6
    const limit = estimate * 20.5
    const { id, key } = await cluster.issueKey({ name: 'budgeted', scopes: ['chat'], creditLimit: limit })
    // every replica must price the model before the burst (catalog refresh)
    t.ok(await eventually(async () => (await Promise.all(everyReplica.map(async (i) => await chat(cluster, i, key)))).every((s) => s === 200), 10_000))

    const statuses = await Promise.all(Array.from({ length: 300 }, async (_, n) => await chat(cluster, n % REPLICAS, key)))
    const served = statuses.filter((s) => s === 200).length
    const refused = statuses.filter((s) => s === 402).length
    t.equal(served + refused, 300, 'each request was served or refused for credits')
    t.ok(served >= 17, `at least what the limit allows beyond the warm-up calls was served (${served})`)
    t.ok(refused > 0, 'the limit was reached')

    t.ok(await eventually(async () => (await recorded(id)).rows >= served + REPLICAS, 10_000), 'every served call is recorded')
    const total = await recorded(id)
    t.ok(total.credits <= limit + 1e-9, `recorded spend ${total.credits} stays within the limit ${limit}`)
  })

  await t.test('requests per minute hold across replicas', async (t) => {
    const { key } = await cluster.issueKey({ name: 'rpm', scopes: ['chat'], rpm: 6 })
    const statuses: number[] = []
    for (let n = 0; n < 12; n++) statuses.push(await chat(cluster, n % REPLICAS, key))
    t.equal(statuses.filter((s) => s === 200).length, 6, 'six calls in the minute, wherever they land')
    t.equal(statuses.filter((s) => s === 429).length, 6, 'the rest refused by whichever replica they reach')
  })

  await t.test('a replica SIGKILLed under load: every call the survivors completed is recorded', async (t) => {
    // Usage records are batched (USAGE_FLUSH_MS), so a killed replica loses its unwritten batch: completion is
    // defined as what the survivors served, and the killed replica's loss is reported (bounded by one flush interval).
    const keys = await Promise.all(everyReplica.map(async (i) => await cluster.issueKey({ name: `replica-${i}`, scopes: ['chat'] })))
    const completed = everyReplica.map(() => 0)
    const victim = REPLICAS - 1
    let stop = false
    const worker = async (i: number): Promise<void> => {
      while (!stop) {
        const status = await chat(cluster, i, keys[i]!.key)
        if (status === 200) completed[i]!++
        else if (i === victim) return
      }
    }
    const load = everyReplica.flatMap((i) => Array.from({ length: 8 }, async () => await worker(i)))
    t.ok(await eventually(async () => completed[victim]! >= 40, 20_000), 'the victim served some load')
    cluster.replicas[victim]!.process.kill('SIGKILL')
    const atKill = completed.slice()
    t.ok(await eventually(async () => completed.every((n, i) => i === victim || n >= atKill[i]! + 40), 20_000), 'the survivors keep serving')
    stop = true
    await Promise.all(load)

    const survivorsRecorded = async (): Promise<boolean> => {
      for (const i of everyReplica) if (i !== victim && (await recorded(keys[i]!.id)).rows !== completed[i]) return false
      return true
    }
    t.ok(await eventually(survivorsRecorded, 10_000), 'the survivors flushed')
    for (const i of everyReplica) {
      if (i === victim) continue
      t.equal((await recorded(keys[i]!.id)).rows, completed[i], `replica ${i}: ${completed[i]} completed calls, as many usage records`)
    }
    const victimRows = (await recorded(keys[victim]!.id)).rows
    t.ok(victimRows <= completed[victim]!, 'the killed replica never recorded more than it served')
    t.comment(`killed replica: ${completed[victim]} completed, ${victimRows} recorded (${completed[victim]! - victimRows} lost with its unflushed batch)`)
  })
})
