import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from './run-ts.js'

/** The Dockerfile's instructions, continuation lines joined, comments and blank lines left out. */
function instructions (): string[] {
  const text = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ')
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'))
}

/** The runtime stage of the Dockerfile (after its last FROM): ENV values, EXPOSEd ports, VOLUMEs, the CMD. */
export function dockerfileRuntime (): { env: Record<string, string>, expose: string[], volumes: string[], cmd: string[] } {
  const lines = instructions()
  const runtime = lines.slice(lines.reduce((last, line, i) => /^FROM\s/i.test(line) ? i : last, 0))
  const args = (instruction: string): string[] => runtime.filter((line) => line.toUpperCase().startsWith(`${instruction} `)).map((line) => line.slice(instruction.length).trim())
  const env = Object.fromEntries(args('ENV').flatMap((line) => [...line.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]])))
  const volumes = args('VOLUME').flatMap((value) => value.startsWith('[') ? JSON.parse(value) as string[] : value.split(/\s+/))
  const cmd = JSON.parse(args('CMD').at(-1) ?? '[]') as string[]
  return { env, expose: args('EXPOSE').flatMap((value) => value.split(/\s+/)), volumes, cmd }
}

/** The images the Dockerfile's stages start FROM, stage names aside. */
export function dockerfileBaseImages (): string[] {
  const stages = new Set<string>()
  const bases = new Set<string>()
  for (const line of instructions()) {
    const [, image = '', stage] = /^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line) ?? []
    if (image !== '' && !stages.has(image)) bases.add(image)
    if (stage !== undefined) stages.add(stage)
  }
  return [...bases]
}
