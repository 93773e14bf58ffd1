/**
 * One request to an outside API that authenticates with a bearer token: a JSON
 * body when there is one, and no longer than `timeoutMs`. A request that gets no
 * answer at all (network failure, timeout) throws what `unreachable` makes of
 * the error, each adapter's own "unavailable"; the caller reads only answers.
 */
export async function bearerRequest(
  fetcher: typeof fetch,
  url: string,
  request: { method?: string; token: string; body?: unknown; accept?: string; timeoutMs: number },
  unreachable: (error: unknown) => Error,
): Promise<Response> {
  const { method = 'GET', token, body, accept, timeoutMs } = request
  try {
    return await fetcher(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(accept ? { accept } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    throw unreachable(error)
  }
}
