import { useEffect, useId, useRef, type ReactNode } from 'react'

/**
 * A modal dialog on the native <dialog> element: focus is trapped and restored by the browser,
 * Escape closes it, and it is announced as a dialog named by its title. `wide` fits a table with row actions.
 */
export function Modal ({ title, onClose, wide = false, children }: { title: string, onClose: () => void, wide?: boolean, children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (dialog !== null && !dialog.open) dialog.showModal()
    return () => { dialog?.close() }
  }, [])
  return (
    <dialog ref={ref} className={wide ? 'wide' : undefined} aria-labelledby={titleId} onCancel={(e) => { e.preventDefault(); onClose() }}>
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  )
}

/** Yes/no question before a consequential action. */
export function ConfirmDialog ({ title, confirmLabel, danger = false, busy = false, onConfirm, onCancel, children }: {
  title: string
  confirmLabel: string
  danger?: boolean
  busy?: boolean
  onConfirm: () => void
  onCancel: () => void
  children: ReactNode
}) {
  return (
    <Modal title={title} onClose={onCancel}>
      {children}
      <div className='actions'>
        <button type='button' className={danger ? 'danger' : 'primary'} disabled={busy} onClick={onConfirm}>{confirmLabel}</button>
        <button type='button' onClick={onCancel}>Cancel</button>
      </div>
    </Modal>
  )
}
