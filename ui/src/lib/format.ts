const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

export function formatDate (iso: string | null | undefined, empty = '—'): string {
  if (iso == null) return empty
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date)
}

/** ISO instant → value for <input type="datetime-local"> in the browser's time zone. */
export function toLocalInput (iso: string | null): string {
  if (iso === null) return ''
  const date = new Date(iso)
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000)
  return local.toISOString().slice(0, 16)
}

/** <input type="datetime-local"> value (local time) → ISO instant, or null when empty. */
export function fromLocalInput (value: string): string | null {
  if (value === '') return null
  return new Date(value).toISOString()
}

/** "a, b\nc" → ["a", "b", "c"] */
export function splitList (text: string): string[] {
  return text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean)
}

const amount = new Intl.NumberFormat(undefined, { maximumFractionDigits: 6 })

/** A number for people: grouped digits, at most six decimals. */
export function formatAmount (value: number): string {
  return amount.format(value)
}
