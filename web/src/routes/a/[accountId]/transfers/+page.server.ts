import { api, unwrap } from '$lib/server/api'
import { idAction, invalid, problemFailure, requireSection, text, textFields } from '$lib/server/forms'
import { transferFiltersFrom, transfersApi } from '$lib/server/transfers'
import { m } from '$lib/paraglide/messages.js'
import type { Actions, PageServerLoad } from './$types'

/**
 * One page of the transfers seen from this account; for proposing, the
 * services that may move and the customers that may receive them (a parent:
 * its customers' services and its customers; a customer's owner: its own
 * services, the destination named by id).
 */
export const load: PageServerLoad = async (event) => {
  const id = event.params.accountId
  const filters = transferFiltersFrom(event.url)
  const cursor = event.url.searchParams.get('cursor')
  const page = transfersApi(event).list(id, filters, cursor)
  const { account, menu, access, impersonation } = await event.parent()
  const section = requireSection(menu, account, 'transfers')
  const customer = account.kind === 'customer'
  const canPropose = section.actions.includes('manage') && (!customer || (access.level === 'owner' && !access.inherited && !impersonation))
  const [services, children] = canPropose
    ? await Promise.all([api(event).services(id, {}, { limit: 200 }), customer ? null : api(event).children(id, { limit: 200 })])
    : [null, null]
  return {
    section,
    page: unwrap(event, await page, m.services_account_not_found()),
    canPropose,
    services: services?.ok ? services.data.items.filter((s) => (customer ? s.account.id === id : s.account.kind === 'customer')).map((s) => ({ id: s.id, name: s.name, type: s.type, account: s.account })) : [],
    customers: children?.ok ? children.data.items.filter((a) => a.kind === 'customer' && a.status === 'active').map((a) => ({ id: a.id, name: a.name })) : [],
    filters,
    filtered: Boolean(filters.q || filters.status),
    continued: Boolean(cursor),
  }
}

export const actions: Actions = {
  propose: async (event) => {
    const { values, errors } = textFields(await event.request.formData(), { serviceId: m.transfers_choose_service(), toAccountId: m.transfers_choose_customer() }, ['note'])
    if (Object.keys(errors).length) return invalid(errors)
    const { serviceId, toAccountId, note } = values
    const result = await transfersApi(event).propose(event.params.accountId, { serviceId, toAccountId, ...(note ? { note } : {}) })
    if (!result.ok) {
      if (result.status === 404 && result.problem.detail.includes('customer')) return invalid({ toAccountId: m.transfers_no_such_customer() })
      return problemFailure(event, result, ['serviceId', 'toAccountId', 'note'])
    }
    return { name: result.data.transfer.service.name }
  },
  confirm: idAction('transferId', (event, id, tid) => transfersApi(event).confirm(id, tid), (data) => ({ status: data.transfer.status })),
  decline: async (event) => {
    const form = await event.request.formData()
    const result = await transfersApi(event).decline(event.params.accountId, text(form, 'transferId'), text(form, 'reason'))
    if (!result.ok) return problemFailure(event, result, ['reason'])
    return {}
  },
  cancel: idAction('transferId', (event, id, tid) => transfersApi(event).cancel(id, tid), () => ({})),
}
