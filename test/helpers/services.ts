import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { TestContext } from './build.js'

/**
 * Tests that need a real Postgres, Redis or Chromium take its address from the environment.
 * On a plain machine they skip with the reason; in CI (REQUIRE_ALL_SERVICES=1) a missing one fails.
 */
export function requireService (t: { skip: (message: string) => unknown, fail: (message: string) => unknown }, envName: string, what: string): string | undefined {
  const value = process.env[envName]
  if (value !== undefined && value !== '') return value
  if (process.env.REQUIRE_ALL_SERVICES === '1') {
    t.fail(`${envName} is not set but REQUIRE_ALL_SERVICES=1: ${what} tests must run here`)
  } else {
    t.skip(`${envName} not set: no ${what} on this machine`)
  }
  return undefined
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
