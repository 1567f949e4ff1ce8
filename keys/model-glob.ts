/**
 * Matching of allowed-model patterns ("*", "openai/*", "openai/gpt-4o", "*-mini") in time linear in the pattern and
 * the name: `*` stands for any run of characters, everything else is literal. No RegExp is ever built from a pattern
 * (a backtracking regex turned `a*a*a*a*a*a*a*a*a*a*b` into a 40-second stall of the event loop).
 */

/** Longest model name the gateway matches or routes (the request schemas' `model` cap). */
export const MODEL_NAME_MAX_LENGTH = 256

// a RegExp `.` never matched these: names holding one never matched a wildcard, and still do not
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/

/** Counts character comparisons, for tests that check the work stays linear. */
export interface MatchWork { steps: number }

/** True when `name` matches `pattern` as a whole; `work`, when given, counts the comparisons made. */
export function globMatches (pattern: string, name: string, work: MatchWork = { steps: 0 }): boolean {
  return globOf(pattern)(name, work)
}

/** `pattern` split at its stars once, as a matcher of names (a key's patterns are matched on every call). */
function globOf (pattern: string): (name: string, work?: MatchWork) => boolean {
  const parts = pattern.split('*')
  if (parts.length === 1) return (name) => pattern === name
  const first = parts[0] as string
  const last = parts[parts.length - 1] as string
  const middle = parts.slice(1, -1)
  return (name, work = { steps: 0 }) => {
    if (LINE_TERMINATOR.test(name)) return false
    if (first.length + last.length > name.length) return false
    if (!name.startsWith(first) || !name.endsWith(last)) return false
    work.steps += first.length + last.length
    // each middle part at its leftmost place after the previous one: leftmost is never worse, and the search only
    // moves forward, so the whole match reads the name once
    let at = first.length
    const end = name.length - last.length
    for (const part of middle) {
      const found = findFrom(name, part, at, end, work)
      if (found < 0) return false
      at = found + part.length
    }
    return true
  }
}

/** Index of `needle` in `text` between `from` and `end` (Knuth–Morris–Pratt: no position is read twice), or -1. */
function findFrom (text: string, needle: string, from: number, end: number, work: MatchWork): number {
  if (needle.length === 0) return from
  const fallback = prefixTable(needle, work)
  let matched = 0
  for (let i = from; i < end; i++) {
    while (matched > 0 && text[i] !== needle[matched]) {
      matched = fallback[matched - 1] as number
      work.steps++
    }
    work.steps++
    if (text[i] === needle[matched]) matched++
    if (matched === needle.length) return i - needle.length + 1
  }
  return -1
}

/** For each prefix of `needle`, the length of its longest proper prefix that is also its suffix. */
function prefixTable (needle: string, work: MatchWork): number[] {
  const table = new Array<number>(needle.length).fill(0)
  let length = 0
  for (let i = 1; i < needle.length; i++) {
    while (length > 0 && needle[i] !== needle[length]) {
      length = table[length - 1] as number
      work.steps++
    }
    work.steps++
    if (needle[i] === needle[length]) length++
    table[i] = length
  }
  return table
}

/** Compiles allowed-model patterns into one matcher; names longer than MODEL_NAME_MAX_LENGTH match none. */
export function modelMatcher (patterns: readonly string[]): (model: string) => boolean {
  if (patterns.includes('*')) return () => true
  const exact = new Set(patterns.filter((p) => !p.includes('*')))
  const globs = patterns.filter((p) => p.includes('*')).map(globOf)
  return (model) => exact.has(model) || (model.length <= MODEL_NAME_MAX_LENGTH && globs.some((matches) => matches(model)))
}
