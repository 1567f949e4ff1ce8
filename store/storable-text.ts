/**
 * Text from outside the gateway that it stores (a model name as a client typed it, a JWT's subject, an identity
 * provider's claims) with NUL characters replaced by U+FFFD: Postgres text cannot hold NUL, and a row the store
 * refuses would fail the request, or hold up the usage records batched with it.
 */
export function storableText (text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text
}
