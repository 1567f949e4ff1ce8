import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

/** What the test needs of an image's OCI config. */
export interface ImageConfig { User?: string, Cmd?: string[], Env?: string[], Volumes?: Record<string, unknown>, WorkingDir?: string }

/**
 * buildah (no daemon) with its own image storage under `dir`: nothing is shared with another run, another test
 * or the images already on the machine (a stand-in tagged `node:20-bookworm-slim` must not replace a real one).
 */
export class Buildah {
  readonly env: NodeJS.ProcessEnv
  /** Commands still running: a test that times out must not leave a build or a container behind. */
  readonly #running = new Set<ChildProcess>()

  constructor (readonly dir: string) {
    const conf = join(dir, 'storage.conf')
    mkdirSync(join(dir, 'root'), { recursive: true })
    writeFileSync(conf, `[storage]\ndriver = "overlay"\ngraphroot = "${join(dir, 'root')}"\nrunroot = "${join(dir, 'run')}"\n`)
    this.env = { ...process.env, CONTAINERS_STORAGE_CONF: conf }
  }

  /** `buildah …args`; its stdout, or an error carrying its stderr. */
  async run (args: string[], timeoutMs = 600_000): Promise<string> {
    return await this.#exec('buildah', args, timeoutMs)
  }

  /** A script using buildah (the stand-in base image), in this storage. */
  async script (file: string, args: string[], timeoutMs = 600_000): Promise<string> {
    return await this.#exec('bash', [file, ...args], timeoutMs)
  }

  async #exec (command: string, args: string[], timeoutMs: number): Promise<string> {
    const pending = execFileAsync(command, args, { env: this.env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 })
    this.#track(pending.child)
    return (await pending).stdout
  }

  #track (child: ChildProcess): void {
    this.#running.add(child)
    child.on('close', () => this.#running.delete(child))
  }

  /** A long-running `buildah …args` (a container's process), its output piped. */
  spawn (args: string[]): ChildProcess & { stdout: Readable, stderr: Readable } {
    const child = spawn('buildah', args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.#track(child)
    return child
  }

  async imageConfig (image: string): Promise<ImageConfig> {
    return (JSON.parse(await this.run(['inspect', '--type', 'image', image])) as { OCIv1: { config: ImageConfig } }).OCIv1.config
  }

  /** A working container of `image` with `env` added to the image's; the image's volumes dropped (see `start`). */
  async container (image: string, env: Record<string, string>): Promise<Container> {
    const id = (await this.run(['from', '--pull=never', '--quiet', image])).trim()
    const config = await this.imageConfig(image)
    // buildah 1.28's `run` mounts an image VOLUME over a `--volume` bind at the same path; the test binds its own
    const volumes = Object.keys(config.Volumes ?? {}).flatMap((path) => ['--volume', `${path}-`])
    const variables = Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`])
    await this.run(['config', ...volumes, ...variables, id])
    return new Container(this, id, config)
  }

  /** Removes every container and image of this storage, then its mounts (the directory itself is the caller's). */
  async clean (): Promise<void> {
    await Promise.all([...this.#running].map(async (child) => {
      const closed = new Promise((resolve) => child.once('close', resolve))
      // buildah leaves the processes of a RUN step or a container running when it is killed itself
      for (const pid of descendants(child.pid ?? -1).reverse()) {
        try { process.kill(pid, 'SIGKILL') } catch { /* gone already */ }
      }
      child.kill('SIGKILL')
      await closed
    }))
    await this.run(['rm', '--all']).catch(() => '')
    await this.run(['rmi', '--all', '--force']).catch(() => '')
    await execFileAsync('umount', ['--recursive', '--lazy', join(this.dir, 'root', 'overlay')]).catch(() => undefined)
    await execFileAsync('umount', ['--recursive', '--lazy', join(this.dir, 'run')]).catch(() => undefined)
  }
}

/** One process of a container: its output so far, its exit, and signals as `docker stop` sends them. */
export interface Running {
  child: ChildProcess
  output: () => string
  /** Resolves with the first match of `pattern` in the output; rejects if the container exits first or on timeout. */
  waitFor: (pattern: RegExp, timeoutMs: number) => Promise<RegExpExecArray>
  /** The container's exit code (null: killed by a signal). */
  exited: Promise<number | null>
  /** Sends `signal` to the image's command itself (with chroot isolation buildah does not forward signals). */
  signal: (signal: NodeJS.Signals) => void
}

/** Process ids below `pid`, nearest first. */
function descendants (pid: number): number[] {
  const parents = new Map<number, number[]>()
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parents.set(ppid, [...parents.get(ppid) ?? [], Number(entry)])
    } catch { /* exited meanwhile */ }
  }
  const found: number[] = []
  for (let queue = [pid]; queue.length > 0;) {
    const children = parents.get(queue.shift() as number) ?? []
    found.push(...children)
    queue.push(...children)
  }
  return found
}

export class Container {
  constructor (private readonly buildah: Buildah, readonly id: string, readonly config: ImageConfig) {}

  /** Runs the image's CMD (as the image's USER) on the host's network, `volume` bound at `mountPoint`. */
  start (volume: string, mountPoint: string, command = this.config.Cmd ?? []): Running {
    const child = this.buildah.spawn(['run', '--isolation=chroot', '--network=host', '--volume', `${volume}:${mountPoint}`, this.id, '--', ...command])
    let output = ''
    const listeners = new Set<() => void>()
    const append = (piece: Buffer): void => { output += piece.toString('utf8'); for (const listener of listeners) listener() }
    child.stdout.on('data', append)
    child.stderr.on('data', append)
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => { resolve(code); for (const listener of listeners) listener() }))
    const waitFor = async (pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> => await new Promise((resolve, reject) => {
      const done = (): void => { clearTimeout(timer); listeners.delete(check) }
      const check = (): void => {
        const match = pattern.exec(output)
        if (match !== null) { done(); resolve(match) } else if (child.exitCode !== null || child.signalCode !== null) {
          done(); reject(new Error(`the container exited before ${String(pattern)}; its output:\n${output}`))
        }
      }
      const timer = setTimeout(() => { done(); reject(new Error(`no ${String(pattern)} within ${timeoutMs} ms; output:\n${output}`)) }, timeoutMs)
      listeners.add(check)
      check()
    })
    const signal = (name: NodeJS.Signals): void => {
      const executable = (command[0] ?? '').split('/').at(-1) ?? ''
      const target = descendants(child.pid ?? -1).find((pid) => {
        try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === executable } catch { return false }
      })
      if (target === undefined) throw new Error(`no ${executable} process in the container`)
      process.kill(target, name)
    }
    return { child, output: () => output, waitFor, exited, signal }
  }
}
