/** Rows per page of a cursor-paged list that does not say otherwise. */
export const LIST_PAGE_SIZE = 25

/** A list page's search and status filters. */
export interface SearchAndStatus<S extends string> {
  q?: string
  status?: S
}

/** The search and status filters of a list page's address: `q` (trimmed, at most 100 characters) and a `status` among `statuses`. */
export function searchAndStatus<S extends string>(url: URL, statuses: readonly S[]): SearchAndStatus<S> {
  const status = url.searchParams.get('status') as S | null
  const q = url.searchParams.get('q')?.trim()
  return { ...(q ? { q: q.slice(0, 100) } : {}), ...(status && statuses.includes(status) ? { status } : {}) }
}
