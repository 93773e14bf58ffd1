import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { hydrated, pathOf, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

describe('Activity says who acted as whom, once, and finds events by type', () => {
  story('shows Sarah’s support session as “Sarah Chen as Dana Whitfield”, its start and end once each, found by “impersonat”', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const reason = `Ticket #${Date.now() % 100000}: checking the surgery's line`
    // Sarah, Acme's support person, logs in as Driftwood's owner from Customers.
    const sarah = await open()
    await signIn(sarah.page, 'sarah@acme.test')
    const acme = pathOf(sarah.page).split('/')[2]!
    await visit(sarah.page, `/a/${acme}/customers`)
    await sarah.page.getByRole('main').getByRole('button', { name: 'Actions for Driftwood Dental' }).click()
    await sarah.page.getByRole('menuitem', { name: 'Log in as owner' }).click()
    const dialog = sarah.page.getByRole('dialog', { name: 'Log in as Dana Whitfield' })
    await dialog.getByText('with their permissions, limited to yours').waitFor()
    await dialog.getByLabel('Reason').fill(reason)
    await dialog.getByRole('button', { name: 'Start impersonating' }).click()
    const banner = sarah.page.getByRole('region', { name: 'Impersonation' })
    await banner.waitFor()
    // She restarts nothing, only looks; then exits.
    await sarah.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services' }).click()
    await sarah.page.waitForURL(/\/services$/)
    await banner.getByRole('button', { name: 'Exit impersonation' }).click()
    await banner.waitFor({ state: 'detached' })
    await hydrated(sarah.page)
    await sarah.context.close()

    // Acme's owner reads Acme's log, searching by a prefix of the type's name.
    const alex = await open()
    await signIn(alex.page, 'owner@acme.test')
    await visit(alex.page, `/a/${acme}/activity?q=impersonat`)
    const list = alex.page.getByRole('list', { name: 'Events, newest first' })
    const start = list.locator('li[data-type="impersonation_start"]', { hasText: reason })
    const end = list.locator('li[data-type="impersonation_end"]', { hasText: reason })
    // Driftwood's events reach Acme's log by forwarding, a moment later.
    await start.first().waitFor({ timeout: 20_000 }).catch(async () => {
      await alex.page.reload()
      await start.first().waitFor()
    })
    await end.first().waitFor()
    assert.equal(await start.count(), 1, 'the start appears once in the reseller’s log')
    assert.equal(await end.count(), 1, 'the end appears once in the reseller’s log')
    await start.getByText('Sarah Chen as Dana Whitfield').waitFor()
    await screenshot(alex.page, 'activity-impersonation-search')

    // Verify integrity counts in the list's terms; the filter and the logging setting read differently.
    await alex.page.getByRole('button', { name: 'Verify integrity' }).click()
    await alex.page.getByTestId('verification').getByText(/^All [\d,]+ events of this log verify$/).waitFor()
    assert.match(await alex.page.getByTestId('verification').innerText(), /every action and page view it holds, those of the accounts below included/)
    await alex.page.getByLabel('Show page views in the list').waitFor()
    await alex.page.getByRole('switch', { name: 'Setting: record page views here' }).waitFor()
    await alex.context.close()
  })
})
