import { test } from 'tap'
import { globMatches, modelMatcher, type MatchWork } from '#keys/model-glob.js'

/** How patterns were matched before: compiled to an anchored RegExp with `.*` per star (backtracking). */
function oldMatcher (patterns: readonly string[]): (model: string) => boolean {
  if (patterns.includes('*')) return () => true
  const exact = new Set(patterns.filter((p) => !p.includes('*')))
  const globs = patterns.filter((p) => p.includes('*')).map((p) =>
    new RegExp('^' + p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$'))
  return (model) => exact.has(model) || globs.some((re) => re.test(model))
}

const PATTERNS = [
  '*', 'openai/*', 'openai/gpt-4o', 'openai/gpt-4o*', '*-mini', 'openai/*-mini', '*/gpt-4o', 'gemini/*flash*', 'a*b*c',
  'openai/gpt-4.1', 'x*', '*x', '**', 'a**b', 'ollama/llama3.2:1b', 'openrouter/meta-llama/*', 'aa*aa', 'a*a*a'
]
const NAMES = [
  'openai/gpt-4o', 'openai/gpt-4o-mini', 'openai/gpt-4o-2024', 'openai/gpt-4.1', 'openai/gpt-401', 'anthropic/claude-sonnet-4-5',
  'gemini/gemini-2.5-flash', 'gemini/gemini-2.5-flash-lite', 'gemini/flash', 'gemini/fla', 'abc', 'ac', 'aXbYc', 'acb', 'x', '',
  'openai/', 'ollama/llama3.2:1b', 'ollama/llama3.2:1b ', 'openrouter/meta-llama/llama-3', 'aaa', 'aaaa', 'aa', 'a', 'openai/a\nb',
  'openai/\u2028', 'xx', 'a.b', 'openai/gpt-4o*'
]

/** A name as a test message can show it (U+2028 would break TAP's lines). */
const shown = (name: string): string => JSON.stringify(name).replace(/\u2028/g, '\\u2028')

test('every pattern means what it meant as a RegExp, for ordinary and edge-case names', async (t) => {
  for (const pattern of PATTERNS) {
    const now = modelMatcher([pattern])
    const before = oldMatcher([pattern])
    for (const name of NAMES) t.equal(now(name), before(name), `${shown(pattern)} vs ${shown(name)}`)
  }
  const several = ['openai/gpt-4o', 'gemini/*', '*-mini']
  for (const name of NAMES) t.equal(modelMatcher(several)(name), oldMatcher(several)(name), `several patterns vs ${shown(name)}`)
})

test('agrees with the RegExp on generated patterns and names over a small alphabet', async (t) => {
  // every pattern up to 4 characters over {a, b, *} against every name up to 6 characters over {a, b}
  const words = (alphabet: string[], max: number): string[] => {
    const out = ['']
    for (let i = 0; i < out.length; i++) if ((out[i] as string).length < max) for (const c of alphabet) out.push(out[i] + c)
    return out
  }
  const names = words(['a', 'b'], 6)
  let disagreements = 0
  for (const pattern of words(['a', 'b', '*'], 4).filter((p) => p !== '')) {
    const re = oldMatcher([pattern])
    for (const name of names) if (globMatches(pattern, name) !== re(name)) disagreements++
  }
  t.equal(disagreements, 0)
})

test('the pattern that stalled the RegExp for 40 s is answered with linear work', async (t) => {
  const pattern = 'a*a*a*a*a*a*a*a*a*a*b'
  const name = 'a'.repeat(52)
  const work: MatchWork = { steps: 0 }
  t.equal(globMatches(pattern, name, work), false)
  t.ok(work.steps <= 4 * (pattern.length + name.length), `${work.steps} comparisons`)
  t.equal(globMatches(pattern, name + 'b'), true)
})

test('work grows linearly with the pattern and the name, also for adversarial inputs', async (t) => {
  const cases: Array<[string, (n: number) => [string, string]]> = [
    ['many stars, no final match', (n) => ['a*'.repeat(n) + 'b', 'a'.repeat(10 * n)]],
    ['long parts that almost match', (n) => [`*${'a'.repeat(n)}b*${'a'.repeat(n)}b*`, 'a'.repeat(20 * n)]],
    ['periodic parts', (n) => [`*${'ab'.repeat(n)}c*`, 'ab'.repeat(10 * n) + 'c']]
  ]
  for (const [name, input] of cases) {
    for (const n of [100, 1_000, 10_000]) {
      const [pattern, model] = input(n)
      const work: MatchWork = { steps: 0 }
      globMatches(pattern, model, work)
      t.ok(work.steps <= 3 * (pattern.length + model.length), `${name}, n=${n}: ${work.steps} comparisons for ${pattern.length} + ${model.length} characters`)
    }
  }
})

test('a matcher refuses names longer than a model name can be, but "*" still allows every name', async (t) => {
  t.equal(modelMatcher(['openai/*'])('openai/' + 'x'.repeat(300)), false)
  t.equal(modelMatcher(['openai/*'])('openai/' + 'x'.repeat(200)), true)
  t.equal(modelMatcher(['*'])('anything'), true)
})

test("a key's compiled patterns answer as a fresh match does, name after name, adversarial ones included", async (t) => {
  const patterns = ['openai/*', '*-mini', 'a*a*a*a*a*a*a*a*b', '*ab*ab*c*', 'x*']
  const names = ['openai/gpt-4o', 'gpt-4o-mini', 'a'.repeat(200), 'a'.repeat(199) + 'b', 'ab'.repeat(100) + 'c', 'xab', 'openai/\nx', 'x', '']
  let disagreements = 0
  for (const pattern of patterns) {
    const matches = modelMatcher([pattern])
    // twice over: a compiled pattern keeps nothing from one name to the next
    for (const name of [...names, ...names]) if (matches(name) !== globMatches(pattern, name)) disagreements++
  }
  t.equal(disagreements, 0)
  const work: MatchWork = { steps: 0 }
  t.equal(globMatches('a*'.repeat(100) + 'b', 'a'.repeat(200), work), false)
  t.ok(work.steps <= 3 * (201 + 200), `${work.steps} comparisons`)
})
