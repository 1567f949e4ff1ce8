import { useRef, useState, type FormEvent } from 'react'
import { ErrorMessage } from '../components/Feedback'
import { useAdminApi } from '../lib/auth'
import { listModels, streamChat, type ChatMessage } from '../lib/chat'
import { ApiError, messageOf } from '../lib/http'
import { useLoad } from '../lib/use-load'

const NEEDS_CHAT_SCOPE = 'The gateway refused this key for chat. The playground needs a key with the chat scope that may use the chosen model, ' +
  'and the admin key you signed in with may not have it: paste such a key into “Access key for the playground”.'

function explain (err: unknown, what: string): string {
  if (err instanceof ApiError && err.status === 401) return NEEDS_CHAT_SCOPE
  if (err instanceof ApiError && err.status === 404) return `${what} is not available on this gateway yet.`
  return messageOf(err)
}

/** Try a model: pick one from GET /api/v2/models and stream an answer from POST /api/v2/chat/completions. */
export function PlaygroundPage () {
  const { token: adminToken } = useAdminApi()
  const [playgroundKey, setPlaygroundKey] = useState('')
  const token = playgroundKey.trim() !== '' ? playgroundKey.trim() : adminToken
  const models = useLoad(async () => {
    try {
      return await listModels(token)
    } catch (err) {
      throw new Error(`Could not list models. ${explain(err, 'The model list (GET /api/v2/models)')}`)
    }
  }, token)
  const [model, setModel] = useState('')
  const [draft, setDraft] = useState('')
  const [messages, setMessages] = useState<ChatMessage[]>([])
  const [error, setError] = useState<string>()
  const [streaming, setStreaming] = useState(false)
  const abort = useRef<AbortController>(null)
  const chosen = model !== '' ? model : (models.data?.[0] ?? '')

  const sendMessage = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    if (draft.trim() === '' || chosen === '') return
    const history: ChatMessage[] = [...messages, { role: 'user', content: draft }]
    setMessages([...history, { role: 'assistant', content: '' }])
    setDraft('')
    setError(undefined)
    setStreaming(true)
    const controller = new AbortController()
    abort.current = controller
    let received = false
    const append = (text: string): void => {
      received = true
      setMessages((current) => current.map((m, i) => i === current.length - 1 ? { ...m, content: m.content + text } : m))
    }
    try {
      await streamChat(token, chosen, history, append, controller.signal)
    } catch (err) {
      if (!controller.signal.aborted) setError(explain(err, 'The chat API (POST /api/v2/chat/completions)'))
      if (!received) {
        // nothing came back: take the message back into the box so it can be sent again
        setMessages(messages)
        setDraft(draft)
      }
    } finally {
      setStreaming(false)
      abort.current = null
    }
  }

  return (
    <>
      <h1>Playground</h1>
      <p className='lead'>Send a message to any model the gateway serves and watch the answer stream in.</p>
      <div className='playground-settings'>
        <div>
          <label htmlFor='playground-key'>Access key for the playground</label>
          <input
            id='playground-key' type='password' autoComplete='off' value={playgroundKey} aria-describedby='playground-key-help'
            onChange={(e) => { setPlaygroundKey(e.target.value) }}
          />
          <p id='playground-key-help' className='hint'>Optional: a key with the chat scope. Empty uses the key you signed in with. Kept only on this page.</p>
        </div>
        <div>
          <label htmlFor='playground-model'>Model</label>
          {models.data !== undefined && models.data.length > 0
            ? (
              <select id='playground-model' value={chosen} onChange={(e) => { setModel(e.target.value) }}>
                {models.data.map((id) => <option key={id} value={id}>{id}</option>)}
              </select>
              )
            : <input id='playground-model' value={model} placeholder='provider/model' aria-describedby={models.data?.length === 0 ? 'playground-model-help' : undefined} onChange={(e) => { setModel(e.target.value) }} />}
          {models.data?.length === 0 && (
            <p id='playground-model-help' className='hint'>No models are listed for this key: it needs the chat scope, and the gateway at least one configured provider.</p>
          )}
        </div>
      </div>
      <ErrorMessage>{models.error}</ErrorMessage>

      <section aria-label='Conversation' className='conversation' aria-live='polite' aria-busy={streaming}>
        {messages.length === 0 && <p className='hint'>No messages yet.</p>}
        <ol>
          {messages.map((m, i) => (
            <li key={i} className={`message ${m.role}`}>
              <span className='who'>{m.role === 'user' ? 'You' : 'Assistant'}</span>
              <p>{m.content === '' && streaming && i === messages.length - 1 ? '…' : m.content}</p>
            </li>
          ))}
        </ol>
      </section>
      <ErrorMessage>{error}</ErrorMessage>

      <form onSubmit={(e) => { void sendMessage(e) }} className='composer'>
        <label htmlFor='playground-message'>Message</label>
        <textarea id='playground-message' rows={3} value={draft} onChange={(e) => { setDraft(e.target.value) }} />
        <div className='actions'>
          <button type='submit' className='primary' disabled={streaming || chosen === '' || draft.trim() === ''}>Send</button>
          {streaming && <button type='button' onClick={() => { abort.current?.abort() }}>Stop</button>}
          <button type='button' disabled={streaming || messages.length === 0} onClick={() => { setMessages([]); setError(undefined) }}>Clear conversation</button>
        </div>
      </form>
    </>
  )
}
