import { useCallback, useState } from 'react'
import { messageOf } from './http'

export interface Action {
  busy: boolean
  error: string | undefined
  /** Runs `work`; a failure is kept in `error` (to show in the still-open dialog) rather than thrown. */
  run: (work: () => Promise<void>) => Promise<void>
  /** Shows a problem found before running (a validation message), or clears it with undefined. */
  setError: (message: string | undefined) => void
}

/** State for a form or confirmed action in a dialog: busy while it runs, its error if it fails. */
export function useAction (): Action {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const run = useCallback(async (work: () => Promise<void>): Promise<void> => {
    setBusy(true)
    setError(undefined)
    try {
      await work()
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(false)
    }
  }, [])
  return { busy, error, run, setError }
}
