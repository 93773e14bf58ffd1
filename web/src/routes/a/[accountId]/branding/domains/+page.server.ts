import { error } from '@sveltejs/kit'
import { api, unwrap } from '$lib/server/api'
import { idAction, requireSection, text, textAction } from '$lib/server/forms'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'

const FIELDS = ['hostname', 'customerAccountId'] as const
const verified = (data: { hostname: { hostname: string } }) => ({ verified: data.hostname.hostname })

/** A reseller's portal hostnames, with the TXT record each needs, and its customers to assign one to. */
export const load: PageServerLoad = async (event) => {
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'branding')
  if (account.kind !== 'reseller') error(404, m.portal_only_resellers_domains())
  const client = api(event)
  const [hostnames, children] = await Promise.all([client.hostnames(account.id), client.children(account.id, { limit: 200 })])
  const { items, devTools, edge } = unwrap(event, hostnames, m.portal_account_not_found())
  return {
    section,
    canManage: section.actions.includes('manage'),
    hostnames: items,
    devTools,
    edge,
    customers: children.ok ? children.data.items.filter((c) => c.kind === 'customer').map((c) => ({ id: c.id, name: c.name })) : [],
  }
}

export const actions: Actions = {
  add: textAction('hostname', m.portal_enter_hostname, (event, account, hostname, form) => api(event).addHostname(account, { hostname, customerAccountId: text(form, 'customerAccountId') || null }), (data) => ({ added: data.hostname.hostname }), FIELDS),
  verify: idAction('id', (event, account, id) => api(event).verifyHostname(account, id), verified, FIELDS),
  devVerify: idAction('id', (event, account, id) => api(event).verifyHostname(account, id, true), verified, FIELDS),
  checkTls: idAction('id', (event, account, id) => api(event).checkHostnameTls(account, id), (data) => ({ checked: data.hostname.hostname, tls: data.hostname.tls.status }), FIELDS),
  remove: idAction('id', (event, account, id) => api(event).removeHostname(account, id), () => ({ removed: true }), FIELDS),
}
