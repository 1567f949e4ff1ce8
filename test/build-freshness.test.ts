import { mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'tap'
import { staleBuildMessage, staleBuildProblem } from '../build-freshness.js'
import { tempDir } from './helpers/build.js'

/** A checkout laid out like this repo's: tsconfig.build.json, sources, dist/ built from them, the admin UI. */
function checkout (t: Parameters<typeof tempDir>[0]): { root: string, dist: string, write: (path: string, ageSeconds: number) => void } {
  const root = tempDir(t)
  const write = (path: string, ageSeconds: number): void => {
    const file = join(root, path)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, '')
    const time = new Date(Date.now() - ageSeconds * 1000)
    utimesSync(file, time, time)
  }
  writeFileSync(join(root, 'tsconfig.build.json'), JSON.stringify({ include: ['*.ts', 'gateway/**/*.ts'] }))
  for (const source of ['server.ts', 'gateway/service.ts', 'gateway/deep/retry.ts', 'ui/src/main.tsx']) write(source, 60)
  for (const output of ['dist/server.js', 'dist/gateway/service.js', 'dist/gateway/deep/retry.js', 'dist/ui/index.html']) write(output, 30)
  return { root, dist: join(root, 'dist'), write }
}

test('a dist/ built after every source is current', async (t) => {
  const { dist } = checkout(t)
  t.equal(staleBuildProblem(dist), undefined)
})

test('a source changed after the build is named', async (t) => {
  const { dist, write } = checkout(t)
  write('gateway/deep/retry.ts', 1)
  t.equal(staleBuildProblem(dist), 'gateway/deep/retry.ts changed after the last build')
})

test('a source with no compiled file is named', async (t) => {
  const { dist, write } = checkout(t)
  write('gateway/new-thing.ts', 60)
  t.equal(staleBuildProblem(dist), 'gateway/new-thing.ts has never been built')
})

test('the admin UI counts too: a changed UI source, or no built page', async (t) => {
  const { dist, write } = checkout(t)
  write('ui/src/main.tsx', 1)
  t.equal(staleBuildProblem(dist), 'ui/src/main.tsx changed after the last build')
  const other = checkout(t)
  other.write('ui/index.html', 60)
  t.equal(staleBuildProblem(other.dist), undefined, 'ui/index.html is a source as well; older than the build: fine')
})

test('declaration files and folders outside the build are not sources', async (t) => {
  const { dist, write } = checkout(t)
  write('gateway/types.d.ts', 1)
  write('test/some.test.ts', 1)
  t.equal(staleBuildProblem(dist), undefined)
})

test('no check without sources beside dist/ (the image ships dist/ alone), nor when not run from dist/', async (t) => {
  const image = tempDir(t)
  mkdirSync(join(image, 'dist'))
  t.equal(staleBuildProblem(join(image, 'dist')), undefined)
  const { root } = checkout(t)
  t.equal(staleBuildProblem(root), undefined, 'server.ts run from the sources (tests) is never stale')
})

test('the message is one line with the fix', async (t) => {
  const message = staleBuildMessage('server.ts changed after the last build')
  t.notMatch(message, /\n/)
  t.match(message, /server\.ts changed after the last build.*npm run build.*npm run dev/)
})
