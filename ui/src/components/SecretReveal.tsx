import { useId, useRef, useState } from 'react'
import { Modal } from './Modal'

/** Shows a freshly issued secret exactly once, with a copy button and a warning that it cannot be shown again. */
export function SecretReveal ({ title, keyName, secret, onDone }: { title: string, keyName: string, secret: string, onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null)
  const warningId = useId()
  const [copied, setCopied] = useState<string>()

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(secret)
      setCopied('Copied to the clipboard.')
    } catch {
      // no clipboard API (plain http on a LAN address): select the text so Ctrl+C works
      input.current?.select()
      setCopied('Selected: press Ctrl+C (⌘C) to copy.')
    }
  }

  return (
    <Modal title={title} onClose={onDone}>
      <p id={warningId} className='warning'>
        Copy the secret of <strong>{keyName}</strong> now. It will not be shown again: the gateway keeps only a hash of it.
      </p>
      <label htmlFor={`${warningId}-secret`}>Access key secret</label>
      <div className='copy-row'>
        <input
          id={`${warningId}-secret`} ref={input} className='secret' readOnly value={secret}
          aria-describedby={warningId} onFocus={(e) => { e.currentTarget.select() }}
        />
        <button type='button' onClick={() => { void copy() }}>Copy</button>
      </div>
      <p role='status' className='status'>{copied}</p>
      <div className='actions'>
        <button type='button' className='primary' onClick={onDone}>I have stored it</button>
      </div>
    </Modal>
  )
}
