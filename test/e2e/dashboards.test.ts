import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Page } from 'playwright-core'
import { accountId, pageOverflow, pathOf, screenshot, signIn, story, visit } from './support.ts'

/** The id of an account the signed-in person reaches through a membership above it. */
async function reachable(page: Page, name: string): Promise<string> {
  const body = (await (await page.request.get(`/api/v1/me/reachable-accounts?q=${encodeURIComponent(name)}`)).json()) as { items: { id: string; name: string }[] }
  const found = body.items.find((a) => a.name === name)
  if (!found) throw new Error(`${name} is not reachable`)
  return found.id
}

const count = async (page: Page, label: string) => (await page.getByTestId('dashboard-counts').locator('div', { hasText: label }).first().locator('dd span').first().innerText()).trim()

describe('Dashboards say what needs attention', () => {
  story('shows the platform its resellers, the customers of the tree and each reseller’s use of its limits', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'admin@nimbus.test')
    assert.equal(await count(page, 'Resellers'), '2')
    assert.equal(await count(page, 'Customers in the tree'), '5')
    const usage = page.getByTestId('reseller-usage')
    await usage.getByRole('meter', { name: 'Acme Hosting: Customers' }).waitFor()
    assert.equal(await usage.getByRole('meter', { name: 'Acme Hosting: Customers' }).getAttribute('aria-valuenow'), '3')
    await usage.getByText('No limits set').waitFor()
    await page.getByTestId('attention').getByRole('link', { name: '1 service expired' }).waitFor()
    await screenshot(page, 'dashboard-platform')
    await context.close()
  })

  story('tells a reseller what needs it, each line leading to the filtered list', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = pathOf(page).split('/')[2]!
    assert.equal(await count(page, 'Customers'), '3')
    const attention = page.getByTestId('attention')
    await attention.getByRole('link', { name: /service(s)? expiring within 30 days/ }).waitFor()
    await page.getByTestId('expiring').getByRole('link', { name: 'copperleaf-render-01' }).waitFor()
    await page.getByRole('meter', { name: 'Customers' }).waitFor()
    await page.getByTestId('recent-activity').getByText('owner@acme.test signed in').first().waitFor()
    await screenshot(page, 'dashboard-reseller')
    await attention.getByRole('link', { name: '1 service suspended' }).click()
    await page.waitForURL(`**/a/${acme}/services?status=suspended`)
    await page.getByRole('main').locator('table').getByRole('link', { name: 'Surgery broadband' }).waitFor()
    await context.close()
  })

  story('shows a customer its services by status, what expires soon and its partner’s access — not “will appear here”', async ({ open }) => {
    const { context, page } = await open({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })
    await signIn(page, 'owner@driftwood.test')
    assert.equal(await count(page, 'Services'), '5')
    assert.equal(await count(page, 'Expiring soon'), '1')
    const byStatus = page.getByTestId('services-by-status')
    await byStatus.getByRole('link', { name: 'Suspended: 1' }).waitFor()
    await page.getByTestId('expiring').getByRole('link', { name: 'driftwooddental.co.uk' }).waitFor()
    assert.match(await page.getByTestId('partner-access').innerText(), /Acme Hosting cannot operate any of your 5 services/)
    assert.equal(await page.getByText(/will appear here/).count(), 0)
    assert.equal(await page.getByText(/home of/).count(), 0)
    assert.equal(await pageOverflow(page), 0, 'the dashboard fits 375 px')
    await screenshot(page, 'dashboard-customer-375')
    await context.close()
  })

  story('lists who else is online in the account as they come and go', async ({ open }) => {
    const alex = await open()
    await signIn(alex.page, 'owner@acme.test')
    const online = alex.page.getByTestId('online')
    await online.getByText('Only you.').waitFor()
    const sarah = await open()
    await signIn(sarah.page, 'sarah@acme.test')
    await visit(sarah.page, `/a/${await accountId(sarah.page, 'Acme Hosting')}`)
    await online.getByText('Sarah Chen').waitFor()
    await screenshot(alex.page, 'dashboard-online')
    await sarah.context.close()
    await online.getByText('Only you.').waitFor()
    await alex.context.close()
  })

  story('gives a reseller’s owner a customer’s dashboard through the reseller', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'owner@acme.test')
    await visit(page, `/a/${await reachable(page, 'Bluebird Bakery')}`)
    await page.getByTestId('services-by-status').waitFor()
    await page.getByTestId('partner-access').waitFor()
    await context.close()
  })
})
