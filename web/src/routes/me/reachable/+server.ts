import { error, json } from '@sveltejs/kit'
import { api } from '$lib/server/api'
import { problemMessage } from '$lib/problem'
import type { RequestHandler } from './$types'

/** The accounts reached through a membership above them (a reseller's customers…), for the account switcher. */
export const GET: RequestHandler = async (event) => {
  const q = (event.url.searchParams.get('q') ?? '').trim().slice(0, 100)
  const result = await api(event).reachableAccounts(q || undefined)
  if (!result.ok) error(result.status === 401 ? 401 : 502, problemMessage(result.problem))
  return json(result.data, { headers: { 'cache-control': 'private, no-store' } })
}
