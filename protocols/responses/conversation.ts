import type { FastifyBaseLogger } from 'fastify'
import { BadRequestError, NotFoundError } from '#errors.js'
import type { InputItemType, ResponseObjectType, ResponsesRequestType } from '#schemas/responses.js'
import type { ResponseRepository } from '#store/responses.js'
import { inputItems } from './request.js'

export interface ConversationSettings {
  /** How long a stored response can be read or continued. */
  retentionHours: number
  /** Largest conversation (history, input and output, as JSON) one response may store. */
  maxBytes: number
}

/** The conversation one call continues: the stored history before it, and its own input with item references resolved. */
export interface CallConversation {
  history: InputItemType[]
  input: InputItemType[]
  /** Bytes of history and input as stored (JSON). */
  bytes: number
}

/** A referenced or replayed item as input: without the id and status the response gave it (no upstream must know them). */
function asInput (item: InputItemType): InputItemType {
  const { id: _id, status: _status, ...rest } = item as InputItemType & { id?: unknown, status?: unknown }
  return rest as InputItemType
}

/**
 * Responses kept for previous_response_id, item_reference, GET and DELETE, in the store (store/responses.ts), per access
 * key: another key's id is simply not found (404). A save still running (a stream's last event already sent) is awaited
 * before its id is read, so a client that continues at once finds it.
 */
export class Conversations {
  private readonly saving = new Map<string, Promise<void>>()

  constructor (private readonly repository: ResponseRepository, private readonly settings: ConversationSettings, private readonly log: FastifyBaseLogger) {}

  /** Loads what `request` continues and resolves its item references; 404 for an id this key has not stored. */
  async prepare (request: ResponsesRequestType, keyId: string): Promise<CallConversation> {
    const now = new Date().toISOString()
    let history: InputItemType[] = []
    let bytes = 0
    const previous = request.previous_response_id
    if (typeof previous === 'string') {
      await this.saving.get(previous)
      const row = await this.repository.find(previous, keyId, now)
      if (row === undefined) throw new NotFoundError(`Previous response with id '${previous}' not found.`)
      history = JSON.parse(row.conversation) as InputItemType[]
      bytes += row.conversation.length
    }
    const input = await this.resolveReferences(inputItems(request.input), keyId, now)
    if (request.store !== false) {
      bytes += Buffer.byteLength(JSON.stringify(input))
      if (bytes > this.settings.maxBytes) {
        throw new BadRequestError(`This conversation is too long to store (over ${this.settings.maxBytes} bytes): start a new one, or send it with "store": false.`)
      }
    }
    return { history, input, bytes }
  }

  private async resolveReferences (input: InputItemType[], keyId: string, now: string): Promise<InputItemType[]> {
    const ids = input.flatMap((item) => item.type === 'item_reference' ? [item.id] : [])
    if (ids.length === 0) return input
    const found = await this.repository.findItems([...new Set(ids)], keyId, now)
    return input.map((item) => {
      if (item.type !== 'item_reference') return item
      const text = found.get(item.id)
      if (text === undefined) throw new NotFoundError(`Item with id '${item.id}' not found.`)
      return asInput(JSON.parse(text) as InputItemType)
    })
  }

  /**
   * Keeps `response` (unless the call asked store: false) with the conversation it ends. Never throws: a response that
   * cannot be kept is logged (the client already has its answer); one too large to keep is left out.
   */
  async save (conversation: CallConversation, response: ResponseObjectType, keyId: string): Promise<void> {
    if (response.store === false) return
    const output = response.output as InputItemType[]
    const items = [...conversation.history, ...conversation.input, ...output.filter((item) => item.type !== 'reasoning').map(asInput)]
    const text = JSON.stringify(items)
    if (text.length > this.settings.maxBytes) {
      this.log.warn({ responseId: response.id, bytes: text.length }, 'response not stored: its conversation is larger than RESPONSES_MAX_STORED_BYTES')
      return
    }
    const created = new Date(response.created_at * 1000)
    const saving = this.repository.save({
      id: response.id,
      keyId,
      model: response.model,
      createdAt: created.toISOString(),
      expiresAt: new Date(Date.now() + this.settings.retentionHours * 3_600_000).toISOString(),
      conversation: text,
      response: JSON.stringify(response),
      items: output.flatMap((item) => typeof item.id === 'string' ? [{ id: item.id, item: JSON.stringify(item) }] : [])
    }).catch((err: unknown) => {
      this.log.error({ err, responseId: response.id }, 'response could not be stored; previous_response_id will not find it')
    }).finally(() => { this.saving.delete(response.id) })
    this.saving.set(response.id, saving)
    await saving
  }

  /** The stored response object `id` of `keyId` (JSON text), or undefined. */
  async get (id: string, keyId: string): Promise<string | undefined> {
    await this.saving.get(id)
    return (await this.repository.find(id, keyId, new Date().toISOString()))?.response
  }

  async delete (id: string, keyId: string): Promise<boolean> {
    await this.saving.get(id)
    return await this.repository.delete(id, keyId)
  }

  /** Deletes expired responses (they are already unreadable); answers how many went. */
  async purge (): Promise<number> {
    return await this.repository.purgeExpired(new Date().toISOString())
  }
}
