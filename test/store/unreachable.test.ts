import pg from 'pg'
import { test } from 'tap'
import { isConnectionFailure } from '#store/unreachable.js'

function serverError (code: string): pg.DatabaseError {
  return Object.assign(new pg.DatabaseError('from the server', 1, 'error'), { code })
}

test('only a lost database counts as unreachable; answers the server gave pass as they are', async (t) => {
  const cases: Array<[string, unknown, boolean]> = [
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), true],
    ['connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    ['connection dropped mid-query', new Error('Connection terminated unexpectedly'), true],
    ['connect timeout', new Error('Connection terminated due to connection timeout'), true],
    ['client already broken', new Error('Client has encountered a connection error and is not queryable'), true],
    ['no answer within query_timeout (a silent network)', new Error('Query read timeout'), true],
    ['server shutting down (57P01)', serverError('57P01'), true],
    ['connection exception (08006)', serverError('08006'), true],
    ['unique violation (23505)', serverError('23505'), false],
    ['syntax error (42601)', serverError('42601'), false],
    ['a bug in our code', new TypeError('cannot read properties of undefined'), false]
  ]
  for (const [name, err, expected] of cases) t.equal(isConnectionFailure(err), expected, name)
})
