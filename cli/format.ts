import type { AccessKey } from '#store/access-keys.js'

/** Text output of the keys CLI: meant for people; `--json` is for scripts. */

type KeyView = AccessKey & { status: string }

export function describeKey (key: KeyView): string {
  return `access key "${key.name}" (id ${key.id}, ${key.status})`
}

/** A freshly issued or rotated key, with its secret shown this one time. */
export function issuedText (verb: string, key: KeyView, secret: string): string {
  return [
    `${verb} ${describeKey(key)}`,
    `  scopes   ${key.scopes.join(', ')}`,
    `  models   ${key.models.join(', ')}`,
    `  expires  ${key.expiresAt ?? 'never'}`,
    `  limits   ${limitsText(key)}`,
    '',
    'Secret (shown once, store it now; only a hash is kept):',
    '',
    `  ${secret}`,
    ''
  ].join('\n')
}

/** "12.5 credits per day, 60 rpm, 10000 tpm, 4 at once", or "none". */
function limitsText (key: KeyView): string {
  const parts = [
    key.creditLimit === null ? undefined : `${key.creditLimit} credits ${key.creditPeriod === 'total' ? 'in all' : `per ${key.creditPeriod}`}`,
    key.perAppCreditLimit === null ? undefined : `${key.perAppCreditLimit} credits per app`,
    key.rpm === null ? undefined : `${key.rpm} rpm`,
    key.tpm === null ? undefined : `${key.tpm} tpm`,
    key.maxConcurrent === null ? undefined : `${key.maxConcurrent} at once`
  ].filter((part) => part !== undefined)
  return parts.length === 0 ? 'none' : parts.join(', ')
}

export function keyTable (keys: KeyView[], total: number): string {
  const header = ['ID', 'NAME', 'PREFIX', 'STATUS', 'SCOPES', 'MODELS', 'EXPIRES', 'LAST USED']
  const rows = keys.map((k) => [k.id, k.name, k.prefix, k.status, k.scopes.join(','), k.models.join(','), k.expiresAt ?? 'never', k.lastUsedAt ?? 'never'])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(header), ...rows.map(line), `${keys.length} of ${total} keys`, ''].join('\n')
}
