#!/usr/bin/env node
import { parseArgs } from 'node:util'

/**
 * Operator CLI for access keys, working on the same store as the server (same environment variables,
 * read by the same loadConfig). Exit codes: 0 done, 1 failed (unknown key, store down), 64 bad usage,
 * 78 bad configuration. Arguments are checked before the store code is even loaded, so mistakes and
 * --help answer at once.
 */

const USAGE = `Usage: hubgate-keys <command> [options]

Commands:
  create --name <name> [--scopes chat,embeddings,images,admin] [--models '*,openai/*'] [--expires <date-time>]
         [--credit-limit <credits> [--credit-period total|day|month]] [--per-app-credit-limit <credits>] [--rpm <n>] [--tpm <n>] [--max-concurrent <n>]
                                 issue a key; its secret is printed once (no limit unless given)
  list [--search <text>] [--limit <n>] [--offset <n>]
                                 every key, newest first (never a secret); --search keeps those whose name
                                 contains the text (any case), whose secret starts with it, or with that id
  revoke <id>                    refuse the key from the next request on
  rotate <id> [--grace-seconds <n>]
                                 new secret for the same key; the old one stops at once or after n seconds
  help                           this text

Options:
  --json                         print JSON instead of text

The store comes from the server's environment: DATA_DIR (SQLite) or DATABASE_URL, SERVER_SECRET, DATABASE_SCHEMA.
`

const OPTIONS = {
  name: { type: 'string' },
  scopes: { type: 'string' },
  models: { type: 'string' },
  expires: { type: 'string' },
  'grace-seconds': { type: 'string' },
  'credit-limit': { type: 'string' },
  'credit-period': { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  'max-concurrent': { type: 'string' },
  'per-app-credit-limit': { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  search: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS, allowPositionals: true }>>['values']
type Option = keyof typeof OPTIONS

interface CommandSpec {
  /** Names of the positional arguments after the command. */
  args: string[]
  options: Option[]
  required?: Option[]
  /** Options that must be whole numbers, with their least value. */
  counts?: Partial<Record<Option, number>>
}

const COMMANDS: Record<string, CommandSpec> = {
  create: {
    args: [],
    options: ['name', 'scopes', 'models', 'expires', 'credit-limit', 'credit-period', 'per-app-credit-limit', 'rpm', 'tpm', 'max-concurrent'],
    required: ['name'],
    counts: { rpm: 1, tpm: 1, 'max-concurrent': 1 }
  },
  list: { args: [], options: ['search', 'limit', 'offset'], counts: { limit: 1, offset: 0 } },
  revoke: { args: ['id'], options: [] },
  rotate: { args: ['id'], options: ['grace-seconds'], counts: { 'grace-seconds': 0 } }
}

class UsageError extends Error {}

/** Parses argv and checks it against the command's spec; throws UsageError with a message fit for the operator. */
function parse (argv: string[]): { command?: string, args: string[], values: Values } {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values, positionals: [command, ...args] } = parsed
  if (values.help === true || command === 'help') return { args, values }
  if (command === undefined) throw new UsageError('a command is required')
  const spec = COMMANDS[command]
  if (spec === undefined) throw new UsageError(`unknown command "${command}"`)
  if (args.length !== spec.args.length) {
    throw new UsageError(`${command} takes ${spec.args.length === 0 ? 'no arguments' : spec.args.map((a) => `<${a}>`).join(' ')}`)
  }
  const stray = Object.keys(values).find((o) => o !== 'json' && !(spec.options as string[]).includes(o))
  if (stray !== undefined) throw new UsageError(`--${stray} does not apply to ${command}`)
  const missing = spec.required?.find((o) => typeof values[o] !== 'string' || (values[o] as string).trim() === '')
  if (missing !== undefined) throw new UsageError(`${command} needs --${missing} <${missing}>`)
  for (const [option, min = 0] of Object.entries(spec.counts ?? {}) as Array<[Option, number]>) {
    const value = values[option]
    if (typeof value === 'string' && !(/^\d+$/.test(value) && Number(value) >= min)) {
      throw new UsageError(`--${option} must be a whole number of at least ${min}`)
    }
  }
  return { command, args, values }
}

/** Exit codes for what the commands throw: our HTTP-style errors and the config error, by name. */
function exitCodeOf (err: { code?: string, name?: string }): number {
  if (err.name === 'ConfigError') return 78
  if (err.code === 'HUB_BAD_REQUEST') return 64 // a wrong scope, model pattern or expiry: the message says which
  return 1
}

async function main (argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const fail = (code: number, message: string): number => {
    process.stderr.write(`hubgate-keys: ${message}\n`)
    return code
  }
  let parsed
  try {
    parsed = parse(argv)
  } catch (err) {
    return fail(64, `${(err as Error).message}\n\n${USAGE}`)
  }
  if (parsed.command === undefined) {
    process.stdout.write(USAGE)
    return 0
  }
  try {
    const { runCommand } = await import('./commands.js')
    process.stdout.write(await runCommand(parsed.command, parsed.args, parsed.values, env))
    return 0
  } catch (err) {
    const code = exitCodeOf(err as { code?: string, name?: string })
    return fail(code, code === 1 && (err as { code?: string }).code?.startsWith('HUB_') !== true
      ? `failed: ${(err as Error).message}`
      : (err as Error).message)
  }
}

process.exitCode = await main(process.argv.slice(2), process.env)
