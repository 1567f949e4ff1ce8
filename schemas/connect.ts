import { Type } from '@sinclair/typebox'
import { CREDIT_PERIODS } from './principal.js'
import { NullableInteger, NullableNumber } from './nullable.js'

/** A session id as the gateway issues it (base64url, 32 characters); anything else is refused before any lookup. */
export const CONNECT_SESSION_ID = '^[A-Za-z0-9_-]{32}$'
const SessionId = Type.String({ pattern: CONNECT_SESSION_ID, description: 'The session id from POST …/access-key/session' })
const IsoDateTime = Type.String({ format: 'date-time' })

export const ConnectSessionOpened = Type.Object({ id: SessionId })
export const ConnectSessionQuery = Type.Object({ sid: SessionId })

const PendingSession = Type.Object({
  id: SessionId,
  status: Type.Literal('pending', { description: 'No admin has approved it yet: poll again' }),
  expiresAt: IsoDateTime
})
const DeliveredKey = Type.Object({
  accessKeyId: Type.String({ description: 'Id of the new access key' }),
  accessKeySecret: Type.String({ description: 'Its secret, AES-encrypted in OpenSSL "Salted__" format (crypto-js) with the passphrase hex(PBKDF2-SHA512(challenge, accessKeyId, 256 rounds, 32 bytes))' }),
  challenge: Type.String()
})
export const ConnectSessionPoll = Type.Union([PendingSession, DeliveredKey])
export const ConnectSessionDeleted = Type.Object({ deleted: Type.Boolean({ description: 'False when there was no such session (already deleted or expired)' }) })

export const ConnectKeyDefaults = Type.Object({
  scopes: Type.Array(Type.String()),
  models: Type.Array(Type.String()),
  creditLimit: NullableNumber(),
  creditPeriod: Type.Union(CREDIT_PERIODS.map((p) => Type.Literal(p))),
  perAppCreditLimit: NullableNumber(),
  rpm: NullableInteger(),
  tpm: NullableInteger(),
  maxConcurrent: NullableInteger()
}, { description: 'What the approval page proposes for the new key (CONNECT_KEY_* settings)' })

export const ConnectSessionView = Type.Object({
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('denied')]),
  expiresAt: IsoDateTime,
  keyId: Type.Union([Type.String(), Type.Null()], { description: 'The key an approval created' }),
  defaults: ConnectKeyDefaults
})

export const ConnectSessionDenied = Type.Object({ status: Type.Literal('denied') })

/** GET /api/user/info, as `aigne hub status` and @blocklet/aigne-hub read it. */
export const UserInfo = Type.Object({
  user: Type.Object({
    fullName: Type.String({ description: 'The key\'s name' }),
    did: Type.String({ description: 'The key\'s id' }),
    email: Type.Null()
  }),
  creditBalance: Type.Union([Type.Object({
    balance: Type.String({ description: 'Credits left in the current period (decimal text, as AIGNE Hub answers)' }),
    total: Type.String({ description: 'The key\'s credit limit per period' })
  }), Type.Null()], { description: 'null when the key has no credit limit' }),
  paymentLink: Type.Union([Type.String(), Type.Null()], { description: 'USER_PAYMENT_LINK' }),
  profileLink: Type.Union([Type.String(), Type.Null()], { description: 'USER_PROFILE_LINK' }),
  enableCredit: Type.Boolean({ description: 'True when the key has a credit limit' })
})
