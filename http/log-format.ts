import type { DestinationStream } from 'pino'
import { ConfigError } from '#errors.js'
import type { Config } from '#config.js'

type PrettyStream = (options: import('pino-pretty').PrettyOptions) => DestinationStream

/** pino-pretty is a development dependency: absent from the image (npm prune --omit=dev), so loaded only on demand. */
async function loadPinoPretty (): Promise<PrettyStream | undefined> {
  try {
    return (await import('pino-pretty')).default
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined
    throw err
  }
}

/**
 * Where the server's log lines go: undefined keeps pino's JSON on stdout (what log collectors read); a
 * pino-pretty stream makes them human-readable. LOG_FORMAT=pretty without pino-pretty installed is refused
 * rather than quietly printing JSON, since whoever set it expects to read the lines.
 */
export async function logStream (
  format: Config['LOG_FORMAT'],
  terminal: boolean,
  load: () => Promise<PrettyStream | undefined> = loadPinoPretty
): Promise<DestinationStream | undefined> {
  if (format === 'json' || (format === undefined && !terminal)) return undefined
  const pretty = await load()
  if (pretty === undefined) {
    if (format === undefined) return undefined
    throw new ConfigError('Invalid configuration:\n  LOG_FORMAT: pretty needs the pino-pretty package, a development dependency the image does not ship (use json there)')
  }
  // sync: the last lines before an exit are written, as pino's own stdout destination does
  return pretty({ colorize: terminal, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
}
