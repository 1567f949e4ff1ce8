import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { TestContext } from './build.js'

/**
 * Options for a tap test that needs a real Postgres, Redis or Chromium, whose address comes from `envName`.
 * On a plain machine the test is skipped with the reason; in CI (REQUIRE_ALL_SERVICES=1) a missing one fails.
 * Use: `test('…', needs('TEST_DATABASE_URL', 'Postgres'), async (t) => { const url = serviceUrl('TEST_DATABASE_URL') … })`.
 */
export function needs (envName: string, what: string): { skip: string | false } {
  const value = process.env[envName]
  if (value !== undefined && value !== '') return { skip: false }
  if (process.env.REQUIRE_ALL_SERVICES === '1') {
    throw new Error(`${envName} is not set but REQUIRE_ALL_SERVICES=1: the ${what} tests must run here`)
  }
  return { skip: `${envName} not set: no ${what} on this machine` }
}

/** Test options that skip for the first of `conditions` that skips (each a `needs()`-like answer). */
export function needsAll (...conditions: Array<{ skip: string | false }>): { skip: string | false } {
  return conditions.find((condition) => condition.skip !== false) ?? { skip: false }
}

/** The address a `needs()` test runs against. */
export function serviceUrl (envName: string): string {
  const value = process.env[envName]
  if (value === undefined || value === '') throw new Error(`${envName} is not set`)
  return value
}

export const TEST_SERVER_SECRET = 'test-server-secret-0123456789abcdefghijklmnop'

/** Env for a gateway on its own fresh Postgres schema, dropped on teardown. */
export function postgresEnv (t: TestContext, databaseUrl: string): Record<string, string> {
  const schema = `hubgate_test_${randomBytes(6).toString('hex')}`
  t.teardown(async () => {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      await client.query(`drop schema if exists "${schema}" cascade`)
    } finally {
      await client.end()
    }
  })
  return { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, SERVER_SECRET: TEST_SERVER_SECRET }
}
