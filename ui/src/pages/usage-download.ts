import { bearerHeaders, errorFrom, send } from '../lib/http'

/**
 * Downloads the admin usage report as CSV. The API wants the admin's bearer token, which a plain link cannot
 * send, so the file is fetched and handed to the browser as an object URL.
 */
export async function downloadUsageCsv (token: string, query: URLSearchParams): Promise<void> {
  const res = await send(`/api/admin/usage?${query.toString()}&format=csv`, { headers: bearerHeaders(token, false) })
  if (!res.ok) throw await errorFrom(res)
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'hubgate-usage.csv'
  const url = URL.createObjectURL(await res.blob())
  try {
    const link = document.createElement('a')
    link.href = url
    link.download = name
    link.click()
  } finally {
    // the click has started the download; the blob is no longer needed once this turn ends
    setTimeout(() => { URL.revokeObjectURL(url) }, 0)
  }
}
