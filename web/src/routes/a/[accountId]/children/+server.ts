import { error, json } from '@sveltejs/kit'
import { api } from '$lib/server/api'
import { withDetails } from '$lib/server/children'
import { resellerApi } from '$lib/server/resellers'
import type { RequestHandler } from './$types'

/**
 * The next page of an account's children, for "Load more" on the section pages.
 * `details=customer` adds each customer's owner and disable reason (the Customers page of a reseller).
 */
export const GET: RequestHandler = async (event) => {
  const limit = Math.min(Math.max(Number(event.url.searchParams.get('limit')) || 25, 1), 200)
  const cursor = event.url.searchParams.get('cursor')
  const details = event.url.searchParams.get('details') === 'customer'
  const [result, managed] = await Promise.all([
    api(event).children(event.params.accountId, { limit, cursor }),
    details ? resellerApi(event).list(event.params.accountId, 'customer') : null,
  ])
  if (!result.ok) error(result.status === 401 || result.status === 404 ? result.status : 502, result.problem.detail)
  const page = managed?.ok ? withDetails(result.data, managed.data.items) : result.data
  return json(page, { headers: { 'cache-control': 'private, no-store' } })
}
