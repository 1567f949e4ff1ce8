import t, { test } from 'tap'
import { tempDir } from '../helpers/build.js'
import { builtEntry } from '../helpers/transpile.js'

const keys = builtEntry(t, 'cli/keys.ts').run

test('bad usage exits 64 with a clear message and the usage text', async (t) => {
  const env = { DATA_DIR: tempDir(t) }
  // [arguments, message, whether the usage text follows (not for a wrong value the message already explains)]
  const cases: Array<[string[], RegExp, boolean]> = [
    [[], /^hubgate-keys: a command is required\n/, true],
    [['frobnicate'], /^hubgate-keys: unknown command "frobnicate"\n/, true],
    [['create'], /^hubgate-keys: create needs --name <name>\n/, true],
    [['create', '--name', 'x', '--colour', 'red'], /^hubgate-keys: Unknown option '--colour'/, true],
    [['list', '--name', 'x'], /^hubgate-keys: --name does not apply to list\n/, true],
    [['list', '--limit', 'many'], /^hubgate-keys: --limit must be a whole number of at least 1\n/, true],
    [['revoke'], /^hubgate-keys: revoke takes <id>\n/, true],
    [['create', '--name', 'x', '--scopes', 'chat,root'], /^hubgate-keys: unknown scope "root"; allowed: chat, embeddings, images, video, audio, admin\n$/, false],
    [['create', '--name', 'x', '--models', 'has space'], /^hubgate-keys: "has space" is not a model pattern/, false],
    [['create', '--name', 'x', '--expires', 'someday'], /^hubgate-keys: expiresAt "someday" is not a date-time\n$/, false],
    [['create', '--name', 'x', '--expires', '2001-01-01T00:00:00Z'], /^hubgate-keys: expiresAt must be in the future\n$/, false],
    [['create', '--name', 'x', '--rpm', '1.5'], /^hubgate-keys: --rpm must be a whole number of at least 1\n/, true],
    [['create', '--name', 'x', '--tpm', '3000000000'], /^hubgate-keys: tpm must be a whole number from 1 to 2147483647, or null for no limit\n$/, false],
    [['create', '--name', 'x', '--max-concurrent', '0'], /^hubgate-keys: --max-concurrent must be a whole number of at least 1\n/, true],
    [['create', '--name', 'x', '--max-concurrent', '100001'], /^hubgate-keys: maxConcurrent must be a whole number from 1 to 100000, or null for no limit\n$/, false],
    [['create', '--name', 'x', '--credit-limit', 'lots'], /^hubgate-keys: creditLimit must be a number from 0 to 1000000000000, or null for no limit\n$/, false],
    [['create', '--name', 'x', '--credit-limit', '5', '--credit-period', 'week'], /^hubgate-keys: creditPeriod must be one of: total, day, month\n$/, false]
  ]
  for (const [args, message, withUsage] of cases) {
    const res = await keys(env, ...args)
    t.equal(res.code, 64, `${args.join(' ') || '(nothing)'} → 64`)
    t.match(res.stderr, message)
    if (withUsage) t.match(res.stderr, /\n\nUsage: hubgate-keys <command> \[options\]\n/, 'the usage text follows the message')
    t.equal(res.stdout, '', 'nothing on stdout')
  }
})

test('help, unknown keys and bad configuration', async (t) => {
  const env = { DATA_DIR: tempDir(t) }
  const help = await keys(env, 'help')
  const missing = await keys(env, 'revoke', 'no-such-key')
  const badConfig = await keys({ ...env, PORT: 'eighty', SERVER_SECRET: 'short-secret-value' }, 'list')
  t.equal(help.code, 0)
  t.match(help.stdout, /^Usage: hubgate-keys <command> \[options\]\n/)
  t.equal(missing.code, 1)
  t.equal(missing.stderr, 'hubgate-keys: access key no-such-key not found\n')
  t.equal(badConfig.code, 78, 'configuration errors exit like the server (EX_CONFIG)')
  t.match(badConfig.stderr, /PORT: Expected integer/)
  t.match(badConfig.stderr, /SERVER_SECRET: Expected string length greater or equal to 32/)
  t.notOk(badConfig.stderr.includes('short-secret-value'), 'the secret is not echoed')
})
