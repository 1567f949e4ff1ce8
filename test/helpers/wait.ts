export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Polls `check` until it holds or `timeoutMs` passes, and returns its last answer. For changes that
 * arrive by notification (another replica's key change), never as a timing assertion.
 */
export async function eventually (check: () => Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(20)
  }
  return await check()
}
