import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { NEW_BLUEBIRD_INVOICE } from '../helpers/billing-demo.ts'
import { accountId, menuLabels, pageOverflow, screenshot, signIn, story, visit } from './support.ts'

describe('The Billing page', () => {
  story('shows Bluebird’s owner the totals and invoices, and brings in a new invoice with Sync now', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@bluebird.test')
    assert.ok((await menuLabels(page)).includes('Billing'))
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing' }).click()
    await page.waitForURL(/\/billing$/)
    const main = page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'Billing' }).waitFor()
    const table = main.getByRole('table')
    await table.locator('[data-invoice]').first().waitFor()
    assert.equal(await table.locator(`[data-invoice="${NEW_BLUEBIRD_INVOICE}"]`).count(), 0)
    await main.getByRole('link', { name: /Expiring in 30 days/ }).waitFor()

    // The billing system has issued a new invoice since the last sync.
    await main.getByRole('button', { name: 'Sync now' }).click()
    await page.getByText(/Invoices synced/).waitFor()
    await table.locator(`[data-invoice="${NEW_BLUEBIRD_INVOICE}"]`).waitFor()
    await main.getByText('Last synced').waitFor()
    await screenshot(page, 'billing')

    // Only the open ones.
    await main.getByLabel('Invoice status').selectOption('open')
    await page.waitForURL(/status=open/)
    await table.locator(`[data-invoice="${NEW_BLUEBIRD_INVOICE}"]`).waitFor()

    // The services due for renewal, soonest first.
    await main.getByRole('link', { name: /Expiring soon/ }).click()
    await page.waitForURL(/view=expiring/)
    const due = await main.locator('td[data-due]').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-due')))
    assert.deepEqual(due, ['bluebirdbakery.com', 'bluebird-pos-01'])
    await screenshot(page, 'billing-expiring')
  })

  story('fits a phone, with invoices as cards', async ({ open }) => {
    const { page } = await open({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })
    await signIn(page, 'billie@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/billing`)
    const main = page.getByRole('main')
    await main.locator('li [data-invoice]').first().waitFor()
    assert.equal(await pageOverflow(page), 0, 'the Billing page fits 375 px')
    await screenshot(page, 'billing-375')
    // Billie may sync (Billing role: billing.manage); Tom, a Technical user, has no Billing at all.
    await main.getByRole('button', { name: 'Sync now' }).waitFor()
  })

  story('is not in the menu of a Technical user, and refuses the address', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'tom@acme.test')
    assert.equal((await menuLabels(page)).includes('Billing'), false)
    const acme = await accountId(page, 'Acme Hosting')
    const response = await page.goto(`/a/${acme}/billing`)
    assert.equal(response?.status(), 403)
  })
})
