import { error } from '@sveltejs/kit'
import { unwrap } from '$lib/server/api'
import { commerce, ORDERS_PAGE_SIZE, statusOf, tabsOf, type PurchasingTab } from '$lib/server/commerce'
import { invalid, problemFailure, requireSection, text, textAction } from '$lib/server/forms'
import { minorFrom } from '$lib/money'
import { m } from '$lib/paraglide/messages.js'
import type { Actions, PageServerLoad } from './$types'

export const load: PageServerLoad = async (event) => {
  const id = event.params.accountId
  const api = commerce(event)
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'purchasing')
  const tabs = tabsOf(account.kind)
  const asked = event.url.searchParams.get('tab') as PurchasingTab | null
  const tab = asked && tabs.includes(asked) ? asked : tabs[0]!
  if (asked && !tabs.includes(asked)) error(404, m.purchasing_no_tab())
  const status = statusOf(event.url, tab)
  const cursor = event.url.searchParams.get('cursor')
  const page = { limit: ORDERS_PAGE_SIZE, cursor }
  const [offers, orders, received, plans, pending] = await Promise.all([
    tab === 'catalogue' ? api.offers(id) : null,
    tab === 'orders' ? api.orders(id, status, page) : null,
    tab === 'received' ? api.receivedOrders(id, status, page) : null,
    tab === 'plans' ? api.plans(id) : null,
    tabs.includes('received') ? api.receivedOrders(id, 'pending', { limit: 100 }) : null,
  ])
  return {
    section,
    canBuy: section.actions.includes('buy'),
    canManage: section.actions.includes('manage'),
    tabs,
    tab,
    status: status ?? 'all',
    continued: Boolean(cursor),
    offers: offers ? unwrap(event, offers, m.commerce_account_not_found()) : null,
    orders: orders ? unwrap(event, orders, m.commerce_account_not_found()) : null,
    received: received ? unwrap(event, received, m.commerce_account_not_found()) : null,
    plans: plans ? unwrap(event, plans, m.commerce_account_not_found()).items : null,
    pendingReceived: pending?.ok ? pending.data.items.length : 0,
  }
}

const PLAN_FIELDS = ['name', 'serviceType', 'price', 'currency', 'period'] as const

/** The plan dialog's fields, as the API wants them; the price is typed in major units ("9.50"). */
function planFrom(form: FormData) {
  const currency = text(form, 'currency').toUpperCase() || 'EUR'
  // "9,50" is how French writes 9.50 (a thousands comma has three digits after it).
  const typed = text(form, 'price')
  const priceMinor = minorFrom(/^\d+,\d{1,2}$/.test(typed) ? typed.replace(',', '.') : typed, currency)
  const errors: Record<string, string> = {}
  if (!text(form, 'name')) errors.name = m.commerce_enter_name()
  if (priceMinor === null) errors.price = m.purchasing_enter_price()
  if (!/^[A-Z]{3}$/.test(currency)) errors.currency = m.purchasing_currency_code()
  const period = text(form, 'period') === 'yearly' ? ('yearly' as const) : ('monthly' as const)
  return { errors, plan: { name: text(form, 'name'), priceMinor: priceMinor ?? 0, currency, period } }
}

export const actions: Actions = {
  order: async (event) => {
    const form = await event.request.formData()
    const serviceName = text(form, 'serviceName')
    const result = await commerce(event).placeOrder(event.params.accountId, { planId: text(form, 'planId'), ...(serviceName ? { serviceName } : {}) })
    if (!result.ok) return problemFailure(event, result, ['serviceName'])
    return { ordered: result.data.order.plan.name }
  },
  cancel: async (event) => {
    const result = await commerce(event).cancelOrder(event.params.accountId, text(await event.request.formData(), 'orderId'))
    if (!result.ok) return problemFailure(event, result, [])
    return { cancelled: true }
  },
  approve: async (event) => {
    const result = await commerce(event).approveOrder(event.params.accountId, text(await event.request.formData(), 'orderId'))
    if (!result.ok) return problemFailure(event, result, [])
    return { approved: result.data.order.buyer.name }
  },
  decline: textAction('reason', m.purchasing_decline_reason_missing, (event, account, reason, form) => commerce(event).declineOrder(account, text(form, 'orderId'), reason), (data) => ({ declined: data.order.buyer.name })),
  createPlan: async (event) => {
    const form = await event.request.formData()
    const { errors, plan } = planFrom(form)
    const serviceType = text(form, 'serviceType')
    if (!serviceType) errors.serviceType = m.purchasing_choose_type()
    if (Object.keys(errors).length) return invalid(errors)
    const result = await commerce(event).createPlan(event.params.accountId, { ...plan, serviceType: serviceType as 'hosting', active: true })
    if (!result.ok) return problemFailure(event, result, PLAN_FIELDS, { priceMinor: 'price' })
    return { saved: result.data.plan.name }
  },
  updatePlan: async (event) => {
    const form = await event.request.formData()
    const { errors, plan } = planFrom(form)
    if (Object.keys(errors).length) return invalid(errors)
    const result = await commerce(event).updatePlan(event.params.accountId, text(form, 'planId'), plan)
    if (!result.ok) return problemFailure(event, result, PLAN_FIELDS, { priceMinor: 'price' })
    return { saved: result.data.plan.name }
  },
  offerPlan: async (event) => {
    const form = await event.request.formData()
    const result = await commerce(event).updatePlan(event.params.accountId, text(form, 'planId'), { active: text(form, 'active') === 'true' })
    if (!result.ok) return problemFailure(event, result, [])
    return { saved: result.data.plan.name, active: result.data.plan.active }
  },
}
