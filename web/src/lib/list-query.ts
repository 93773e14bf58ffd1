/** A value of a list page's filter as it stands in the address: `true` as "true", blanks and `false` left out. */
export type QueryValue = string | number | boolean | null | undefined

/**
 * A list page's query string: its filters (a flat object of `QueryValue`s), then the extras (a cursor), leaving out what is not set,
 * so a link keeps the filters in view. Empty when nothing is set.
 */
export function listQuery(filters: object, extra: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries({ ...filters, ...extra }) as [string, QueryValue][]) {
    if (value === undefined || value === null || value === false || value === '') continue
    params.set(key, String(value))
  }
  const s = params.toString()
  return s ? `?${s}` : ''
}

/** A list page's address with some filters changed (`null` removes one); paging starts over. */
export function changedQuery(base: string, current: URLSearchParams, changes: Record<string, string | null>): string {
  const params = new URLSearchParams(current)
  params.delete('cursor')
  for (const [key, value] of Object.entries(changes)) {
    if (value) params.set(key, value)
    else params.delete(key)
  }
  const s = params.toString()
  return s ? `${base}?${s}` : base
}
