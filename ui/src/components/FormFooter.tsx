import { ErrorMessage } from './Feedback'

/** The end of a dialog form: its error (if any), the submit button (off while busy) and a way out. */
export function FormFooter ({ error, busy, submitLabel, onCancel, cancelLabel = 'Cancel' }: {
  error: string | undefined
  busy: boolean
  submitLabel: string
  onCancel: () => void
  cancelLabel?: string
}) {
  return (
    <>
      <ErrorMessage>{error}</ErrorMessage>
      <div className='actions'>
        <button type='submit' className='primary' disabled={busy}>{submitLabel}</button>
        <button type='button' onClick={onCancel}>{cancelLabel}</button>
      </div>
    </>
  )
}
