import { test } from 'tap'
import { CircuitBreakers } from '#gateway/circuit-breaker.js'
import { UpstreamAuthError, UpstreamFailedError, UpstreamRateLimitedError, UpstreamRejectedError, UpstreamTimeoutError, ClientClosedError } from '#errors.js'
import { isFallbackWorthy, isProviderFailure, isRetryable, retryAfterMs, retryDelayMs, waitUnlessAborted } from '#gateway/retry.js'
import { ClientSignal } from '#upstream/client-signal.js'

function fakeClock (): { now: () => number, advance: (ms: number) => void } {
  let at = 1_000_000
  return { now: () => at, advance: (ms) => { at += ms } }
}

const withStatus = (err: Error, status: number): Error => Object.assign(err, { upstreamStatus: status })
const connection = (code: string): Error => new UpstreamFailedError('Could not reach provider x.', { cause: Object.assign(new Error(code), { code }) })

test('the breaker opens after N consecutive failures, and a success in between resets the count', async (t) => {
  const clock = fakeClock()
  const breakers = new CircuitBreakers({ failures: 3, cooldownMs: 1000, now: clock.now })
  breakers.failed('a')
  breakers.failed('a')
  breakers.succeeded('a')
  breakers.failed('a')
  breakers.failed('a')
  t.equal(breakers.state('a'), 'closed', 'two in a row since the success')
  breakers.failed('a')
  t.equal(breakers.state('a'), 'open')
  t.notOk(breakers.tryAcquire('a'))
  t.equal(breakers.retryAfterMs('a'), 1000)
  t.ok(breakers.tryAcquire('b'), 'circuits are per provider')
  t.same(breakers.snapshot(['a', 'b']), { a: 'open', b: 'closed' })
})

test('half-open lets exactly one probe through; its verdict decides', async (t) => {
  const clock = fakeClock()
  const breakers = new CircuitBreakers({ failures: 1, cooldownMs: 1000, now: clock.now })
  breakers.failed('a')
  clock.advance(1000)
  t.equal(breakers.state('a'), 'half-open')
  t.ok(breakers.tryAcquire('a'), 'the probe')
  t.notOk(breakers.tryAcquire('a'), 'no second call while the probe is out')
  breakers.released('a') // the probe's client left: no verdict
  t.ok(breakers.tryAcquire('a'), 'another probe may go')
  breakers.failed('a')
  t.equal(breakers.state('a'), 'open', 'a failed probe opens it again for a whole cooldown')
  t.equal(breakers.retryAfterMs('a'), 1000)
  clock.advance(1000)
  t.ok(breakers.tryAcquire('a'))
  breakers.succeeded('a')
  t.equal(breakers.state('a'), 'closed')
  t.ok(breakers.tryAcquire('a'))
})

test('a failure of a call that started before the circuit opened does not extend the cooldown', async (t) => {
  const clock = fakeClock()
  const breakers = new CircuitBreakers({ failures: 1, cooldownMs: 1000, now: clock.now })
  breakers.failed('a')
  clock.advance(600)
  breakers.failed('a')
  t.equal(breakers.retryAfterMs('a'), 400)
})

test('what is retried, what moves to a fallback, what counts against the breaker', async (t) => {
  const cases: Array<[string, Error, boolean, boolean, boolean]> = [
    // name, error, retryable, fallback-worthy, provider failure
    ['HTTP 500', withStatus(new UpstreamFailedError('x'), 500), true, true, true],
    ['HTTP 503', withStatus(new UpstreamFailedError('x'), 503), true, true, true],
    ['HTTP 504', withStatus(new UpstreamTimeoutError('x'), 504), true, true, true],
    ['HTTP 429', withStatus(new UpstreamRateLimitedError('x'), 429), true, true, false],
    ['connection refused', connection('ECONNREFUSED'), true, true, true],
    ['socket closed', connection('UND_ERR_SOCKET'), true, true, true],
    ['headers timeout', new UpstreamTimeoutError('x', { cause: Object.assign(new Error('t'), { code: 'UND_ERR_HEADERS_TIMEOUT' }) }), false, true, true],
    ['unreadable answer', new UpstreamFailedError('not JSON'), false, true, true],
    ['HTTP 401 (gateway credential)', withStatus(new UpstreamAuthError('x'), 401), false, true, false],
    ['HTTP 400', withStatus(new UpstreamRejectedError('x'), 400), false, false, false],
    ['a gateway bug', new TypeError('oops'), false, false, false]
  ]
  for (const [name, err, retryable, fallback, failure] of cases) {
    t.equal(isRetryable(err), retryable, `${name}: retryable`)
    t.equal(isFallbackWorthy(err), fallback, `${name}: fallback`)
    t.equal(isProviderFailure(err), failure, `${name}: breaker failure`)
  }
})

test('backoff is full jitter below base·2^(n-1), capped; Retry-After is honoured up to the cap', async (t) => {
  const policy = { retries: 3, baseMs: 100, maxWaitMs: 1000 }
  const err = withStatus(new UpstreamFailedError('x'), 502)
  t.equal(retryDelayMs(err, 1, policy, () => 0.5), 50)
  t.equal(retryDelayMs(err, 2, policy, () => 0.5), 100)
  t.equal(retryDelayMs(err, 3, policy, () => 0.999), 399)
  t.equal(retryDelayMs(err, 4, policy, () => 0.5), undefined, 'retries used up')
  t.equal(retryDelayMs(err, 1, { ...policy, baseMs: 10_000 }, () => 0.5), 500, 'capped at maxWaitMs')
  t.equal(retryDelayMs(withStatus(new UpstreamRejectedError('x'), 400), 1, policy), undefined)

  const limited = (retryAfter: string): Error => Object.assign(withStatus(new UpstreamRateLimitedError('x'), 429), { retryAfter })
  t.equal(retryDelayMs(limited('1'), 1, policy), 1000)
  t.equal(retryDelayMs(limited('2'), 1, policy), undefined, 'longer than the cap: not waited for')
  const now = Date.parse('2026-01-01T00:00:00Z')
  t.equal(retryAfterMs(limited('Thu, 01 Jan 2026 00:00:03 GMT'), now), 3000, 'an HTTP date')
  t.equal(retryAfterMs(limited('soon'), now), undefined)
})

test('a retry wait ends after its time, or as soon as the client leaves', async (t) => {
  const signal = new ClientSignal()
  const started = performance.now()
  await waitUnlessAborted(30, signal)
  t.ok(performance.now() - started >= 25, 'waited its time')
  t.equal(signal.listenerCount('abort'), 0, 'no listener left behind')

  const waiting = waitUnlessAborted(60_000, signal)
  setTimeout(() => { signal.abort() }, 10)
  await t.rejects(waiting, ClientClosedError, 'the client left mid-wait')
  t.equal(signal.aborted, true)
  await t.rejects(waitUnlessAborted(10, signal), ClientClosedError, 'already gone: no wait at all')
  signal.abort()
  t.equal(signal.listenerCount('abort'), 0, 'aborting twice is harmless')
})
