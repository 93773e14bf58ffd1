import { error, json } from '@sveltejs/kit'
import { api } from '$lib/server/api'
import { problemMessage } from '$lib/problem'
import type { RequestHandler } from './$types'

/** Accounts, people and services of this account's tree matching `q`, for the command palette (Ctrl/Cmd+K). */
export const GET: RequestHandler = async (event) => {
  const q = (event.url.searchParams.get('q') ?? '').trim().slice(0, 100)
  if (!q) return json({ accounts: [], people: [], services: [] }, { headers: { 'cache-control': 'private, no-store' } })
  const result = await api(event).search(event.params.accountId, q)
  if (!result.ok) error(result.status === 401 || result.status === 404 ? result.status : 502, problemMessage(result.problem))
  return json(result.data, { headers: { 'cache-control': 'private, no-store' } })
}
