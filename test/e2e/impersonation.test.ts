import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { accountId, hydrated, menuLabels, pageOverflow, pathOf, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

describe('Impersonation', () => {
  story('lets Acme’s owner act as a customer’s user for a stated reason, under a banner, until Exit; the customer sees who accessed their account', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const reason = `Ticket #${Date.now() % 10000}: checking the bakery's backup settings`
    const { context, page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    const resellerMenu = await menuLabels(page)

    // Through Customers into Bluebird Bakery's staff, as the reseller sees it.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customers' }).click()
    await page.waitForURL(`**/a/${acme}/customers`)
    await page.getByRole('main').getByRole('link', { name: 'Bluebird Bakery' }).click()
    await page.waitForURL(/\/a\/[^/]+$/)
    const bluebird = pathOf(page).split('/')[2]!
    await visit(page, `/a/${bluebird}/staff`)
    const main = page.getByRole('main')
    await main.getByRole('button', { name: 'Actions for Bea Lawson' }).click()
    await page.getByRole('menuitem', { name: 'Impersonate' }).click()
    const dialog = page.getByRole('dialog', { name: 'Impersonate Bea Lawson' })
    await dialog.waitFor()
    // A reason is required.
    await dialog.getByRole('button', { name: 'Start impersonating' }).click()
    await dialog.getByText('Say why you need to act as them').waitFor()
    await dialog.getByLabel('Reason').fill(reason)
    await screenshot(page, 'impersonate-dialog')
    await dialog.getByRole('button', { name: 'Start impersonating' }).click()

    // Now in Bluebird as Bea: the banner names her, the account, the reason and the time left.
    await page.waitForURL(`**/a/${bluebird}`)
    const banner = page.getByRole('region', { name: 'Impersonation' })
    await banner.waitFor()
    const text = await banner.innerText()
    assert.match(text, /You are signed in as Bea Lawson \(owner@bluebird\.test\) in Bluebird Bakery/)
    assert.ok(text.includes(reason), 'the banner repeats the reason')
    assert.match(text, /ends in (60|59) min/)
    const customerMenu = await menuLabels(page)
    assert.ok(!customerMenu.includes('Customers'), `the customer's own menu has no Customers (got ${customerMenu.join(', ')})`)
    assert.notDeepEqual(customerMenu, resellerMenu)
    await page.getByRole('button', { name: /Bea Lawson/ }).waitFor()
    await screenshot(page, 'impersonation-banner')

    // On a phone the banner wraps; nothing is wider than the screen and Exit stays reachable.
    await page.setViewportSize({ width: 375, height: 800 })
    await banner.getByRole('button', { name: 'Exit impersonation' }).waitFor()
    assert.equal(await pageOverflow(page), 0, 'no sideways scrolling at 375 px')
    await screenshot(page, 'impersonation-banner-375')
    await page.setViewportSize({ width: 1280, height: 800 })

    // The banner stays on every page of the shell.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services' }).click()
    await page.waitForURL(`**/a/${bluebird}/services`)
    await banner.waitFor()

    // Her profile cannot be changed from this session.
    await visit(page, '/profile')
    await banner.waitFor()
    assert.equal(await page.getByLabel('Name').isDisabled(), true)
    assert.equal(await page.getByLabel('New password', { exact: true }).isDisabled(), true)
    await page.getByRole('note').getByText(/^Read-only while you act as/).waitFor()
    await screenshot(page, 'impersonation-profile')

    // Exit: back to Acme's owner, looking at Bluebird as the partner.
    await banner.getByRole('button', { name: 'Exit impersonation' }).click()
    await page.waitForURL(`**/a/${bluebird}`)
    await hydrated(page)
    await banner.waitFor({ state: 'detached' })
    await page.getByRole('button', { name: 'User menu for Alex Moreno' }).waitFor()
    await screenshot(page, 'impersonation-ended')
    await context.close()

    // Bea sees who acted on her behalf, and why.
    const bea = await open()
    await signIn(bea.page, 'owner@bluebird.test')
    await bea.page.getByRole('button', { name: 'User menu for Bea Lawson' }).click()
    await bea.page.getByRole('menuitem', { name: 'Profile' }).click()
    await bea.page.waitForURL('**/profile')
    const log = bea.page.getByRole('list', { name: 'Access log' })
    await log.getByText('Alex Moreno').first().waitFor()
    await log.getByText(reason, { exact: false }).waitFor()
    await screenshot(bea.page, 'profile-access-log')

    // Her own session may change her details: a wrong current password is named under its field.
    await bea.page.getByLabel('Current password').fill('not-my-password')
    await bea.page.getByLabel('New password', { exact: true }).fill('harbour-lantern-orchard-77')
    await bea.page.getByLabel('New password again').fill('harbour-lantern-orchard-77')
    await bea.page.getByRole('button', { name: 'Change password' }).click()
    await bea.page.getByText('Your current password is not correct.').waitFor()
    await bea.page.getByLabel('Name', { exact: true }).fill('Bea Lawson')
    await bea.page.getByRole('button', { name: 'Save name' }).click()
    await bea.page.getByRole('status').getByText('Name saved').waitFor()
  })
})
