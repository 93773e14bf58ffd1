import { tick } from 'svelte'
import { page } from '$app/state'
import { changedQuery } from '$lib/list-query'

/** One page of a cursor-paged list, as the API answers it. */
export interface CursorPage<T> {
  items: T[]
  nextCursor: string | null
}

export interface PagerOptions<T> {
  /** The page the server loaded (read each time, so new filters or another account start over). */
  page: () => CursorPage<T>
  /** The JSON endpoint of the page after `cursor`, with the page's filters; by default {@link ownMore}. */
  url?: (cursor: string) => string
  /** The element to focus once more rows arrive (the first new row's link), so keyboard users continue there. */
  focus?: (first: T) => string
}

/**
 * Cursor pagination with "Load more": appends the next page in place with
 * JavaScript; the button is also a plain link to the next page, so it works
 * without. Rows fetched here belong to the page they extend, so a new server
 * page (other filters, another account) resets them.
 */
export class Pager<T> {
  #more = $state.raw<{ extends: CursorPage<T>; items: T[]; next: string | null } | null>(null)
  loading = $state(false)
  failed = $state(false)
  readonly items: T[] = $derived.by(() => {
    const initial = this.options.page()
    return this.#more?.extends === initial ? [...initial.items, ...this.#more.items] : initial.items
  })
  readonly next: string | null = $derived.by(() => {
    const initial = this.options.page()
    return this.#more?.extends === initial ? this.#more.next : initial.nextCursor
  })

  private readonly options: PagerOptions<T>

  constructor(options: PagerOptions<T>) {
    this.options = options
  }

  /** The "Load more" link's click: fetch and append the next page instead of navigating. */
  loadMore = async (event: MouseEvent) => {
    const cursor = this.next
    if (!cursor || this.loading) return
    event.preventDefault()
    this.loading = true
    this.failed = false
    const start = this.options.page()
    try {
      const response = await fetch((this.options.url ?? ownMore)(cursor), { headers: { accept: 'application/json' } })
      if (!response.ok) throw new Error(String(response.status))
      const body = (await response.json()) as Partial<CursorPage<T>>
      if (!Array.isArray(body.items)) throw new Error('unexpected answer')
      if (start !== this.options.page()) return
      const previous = this.#more?.extends === start ? this.#more.items : []
      this.#more = { extends: start, items: [...previous, ...body.items], next: body.nextCursor ?? null }
      const first = body.items[0]
      if (first !== undefined && this.options.focus) {
        await tick()
        // The table or the phone cards, whichever this screen shows.
        const targets = document.querySelectorAll<HTMLElement>(this.options.focus(first))
        ;[...targets].find((el) => el.offsetParent !== null)?.focus()
      }
    } catch {
      this.failed = true
    } finally {
      this.loading = false
    }
  }
}

/**
 * The next page of a list page from its own `/more` endpoint, asked with the page's query string (its
 * filters) and the cursor: the JSON twin of the "Load more" link, which is this page's address at the cursor.
 */
export const ownMore = (cursor: string): string => changedQuery(`${page.url.pathname}/more`, page.url.searchParams, { cursor })

/** The `focus` of a list whose rows open through a link marked `data-row` with the row's id (services, visits, accounts). */
export const rowLink = (first: { id: string }): string => `a[data-row="${CSS.escape(first.id)}"]`

/** A pager for a cursor-paged list (activity, services, customers, resellers). */
export function createPager<T>(options: PagerOptions<T>): Pager<T> {
  return new Pager(options)
}
