import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

export interface StoredResponse {
  id: string
  keyId: string
  model: string
  createdAt: string
  expiresAt: string
  /** JSON text of the conversation's items (input so far, then the output). */
  conversation: string
  /** JSON text of the response object. */
  response: string
  /** This response's output items by id (JSON text each), for item references. */
  items: Array<{ id: string, item: string }>
}

/**
 * Stored OpenAI Responses. Every read and delete names the access key: a response is found only by the key that made
 * it, and only until it expires (rows past it are purged by purgeExpired).
 */
export class ResponseRepository {
  constructor (private readonly db: Kysely<Database>) {}

  async save (stored: StoredResponse): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('responses').values({
        id: stored.id,
        key_id: stored.keyId,
        model: stored.model,
        created_at: stored.createdAt,
        expires_at: stored.expiresAt,
        conversation: stored.conversation,
        response: stored.response
      }).execute()
      if (stored.items.length === 0) return
      await trx.insertInto('response_items').values(stored.items.map((item) => ({
        key_id: stored.keyId, item_id: item.id, response_id: stored.id, expires_at: stored.expiresAt, item: item.item
      }))).onConflict((oc) => oc.columns(['key_id', 'item_id']).doNothing()).execute()
    })
  }

  /** The response `id` of `keyId`, unexpired at `now`. */
  async find (id: string, keyId: string, now: string): Promise<{ conversation: string, response: string } | undefined> {
    return await this.db.selectFrom('responses').select(['conversation', 'response'])
      .where('id', '=', id).where('key_id', '=', keyId).where('expires_at', '>', now)
      .executeTakeFirst()
  }

  /** Output items of `keyId`'s unexpired responses among `ids`, by id (JSON text). */
  async findItems (ids: string[], keyId: string, now: string): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map()
    const rows = await this.db.selectFrom('response_items').select(['item_id', 'item'])
      .where('key_id', '=', keyId).where('item_id', 'in', ids).where('expires_at', '>', now)
      .execute()
    return new Map(rows.map((r) => [r.item_id, r.item]))
  }

  /** Deletes the response `id` of `keyId` with its items; answers whether there was one. */
  async delete (id: string, keyId: string): Promise<boolean> {
    return await this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('responses').where('id', '=', id).where('key_id', '=', keyId).executeTakeFirst()
      if (Number(result.numDeletedRows) === 0) return false
      await trx.deleteFrom('response_items').where('response_id', '=', id).execute()
      return true
    })
  }

  /** Deletes what expired before `now`; answers how many responses went. */
  async purgeExpired (now: string): Promise<number> {
    await this.db.deleteFrom('response_items').where('expires_at', '<=', now).execute()
    const result = await this.db.deleteFrom('responses').where('expires_at', '<=', now).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
