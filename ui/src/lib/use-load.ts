import { useCallback, useEffect, useState } from 'react'
import { messageOf } from './http'

export interface Loaded<T> {
  data: T | undefined
  error: string | undefined
  loading: boolean
  reload: () => void
}

/** Runs `load` now and whenever `reload()` is called or `key` changes; the latest answer wins. */
export function useLoad<T> (load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T>()
  const [error, setError] = useState<string>()
  const [loading, setLoading] = useState(true)
  const [generation, setGeneration] = useState(0)
  const reload = useCallback(() => { setGeneration((g) => g + 1) }, [])

  useEffect(() => {
    let current = true
    setLoading(true)
    load().then(
      (value) => { if (current) { setData(value); setError(undefined) } },
      (err: unknown) => { if (current) setError(messageOf(err)) }
    ).finally(() => { if (current) setLoading(false) })
    return () => { current = false }
    // `load` is a fresh closure each render; `key` says when its inputs changed
  }, [key, generation])

  return { data, error, loading, reload }
}
