import { api, unwrap } from '$lib/server/api'
import { requireSection } from '$lib/server/forms'
import type { PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'

/**
 * What may be backed up from here: this account (a reseller, with its
 * customers) and the accounts directly below it. The download and the restore
 * run in the browser against the API, so the page can show their progress.
 */
export const load: PageServerLoad = async (event) => {
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'backups')
  const children = unwrap(event, await api(event).children(event.params.accountId, { limit: 200 }), m.accounts_account_not_found())
  const roots = [
    ...(account.kind === 'platform' ? [] : [{ id: account.id, name: account.name, kind: account.kind, self: true }]),
    ...children.items.filter((c) => c.status !== 'deleted').map((c) => ({ id: c.id, name: c.name, kind: c.kind, self: false })),
  ]
  return { roots, moreRoots: children.nextCursor !== null, canRestore: section.actions.includes('manage') }
}
