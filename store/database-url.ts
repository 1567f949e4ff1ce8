/** True for a `postgres://` or `postgresql://` DATABASE_URL; anything else is a SQLite file path. */
export function isPostgresUrl (url: string | undefined): boolean {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url)
}
