import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { accountId, hydrated, pageOverflow, screenshot, signIn, story, STORY_TIMEOUT, storyApiKey, visit } from './support.ts'

const PHONE = { width: 375, height: 740 }

describe('The access review', () => {
  story('lets the owner of Acme review who can do what, remove a key of its own in one step, and download the review as CSV', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')

    const keyId = await storyApiKey(page, acme, 'Review story key')

    // From the Staff page.
    await visit(page, `/a/${acme}/staff`)
    await page.getByRole('main').getByRole('link', { name: 'Review access' }).click()
    await page.waitForURL(`**/a/${acme}/staff/review`)
    await hydrated(page)
    const main = page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'Access review' }).waitFor()
    assert.equal(await page.title(), 'Access review · Acme Hosting · Nimbus Cloud')
    // Grouped by account: Acme and its customers.
    for (const name of ['Acme Hosting', 'Bluebird Bakery', 'Copperleaf Studio']) await main.getByRole('heading', { level: 2, name: new RegExp(name) }).waitFor()
    const summary = main.getByTestId('review-summary')
    await summary.getByText('0 marked for removal').waitFor()
    // The owner's own line cannot be removed; a partner-access line is the customer's to change.
    const ownerRow = main.locator('tr[data-line^="member:"]').filter({ hasText: 'owner@acme.test' }).first()
    await ownerRow.getByText('Not removable').waitFor()
    await screenshot(page, 'access-review')

    // Filters: only API keys.
    await main.getByLabel('Kind').selectOption('key')
    const line = main.locator(`tr[data-line="key:${keyId}"]`)
    await line.waitFor()
    assert.equal(await main.locator('tr[data-line^="member:"]').count(), 0, 'no people while filtering keys')

    // Remove it with the keyboard: the Keep/Remove pair is a radio group.
    await line.getByRole('radio', { name: 'Keep' }).focus()
    await page.keyboard.press('ArrowRight')
    assert.equal(await line.getByRole('radio', { name: 'Remove' }).isChecked(), true)
    await summary.getByText('1 marked for removal').waitFor()
    // Marks survive a reload until applied.
    await page.reload()
    await hydrated(page)
    await main.getByTestId('review-summary').getByText('1 marked for removal').waitFor()
    await main.getByRole('button', { name: 'Apply review…' }).click()
    const confirm = page.getByRole('alertdialog', { name: 'Apply this review?' })
    await confirm.getByText('Revoke the API key “Review story key” (Acme Hosting)').waitFor()
    await screenshot(page, 'access-review-confirm')
    await confirm.getByRole('button', { name: 'Remove 1 line' }).click()
    await confirm.waitFor({ state: 'detached' })
    await page.getByText('Review applied: 1 line removed').waitFor()
    await main.locator(`tr[data-line="key:${keyId}"]`).waitFor({ state: 'detached' })
    await main.getByTestId('review-summary').getByText('0 marked for removal').waitFor()

    // The review is in the log with its result.
    await visit(page, `/a/${acme}/activity`)
    await page.getByRole('main').getByText(/reviewed access in Acme Hosting: \d+ kept, 1 removed/).first().waitFor()

    // The CSV download.
    await visit(page, `/a/${acme}/staff/review`)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('main').getByRole('link', { name: 'Download CSV' }).click()])
    assert.match(download.suggestedFilename(), /^access-review-acme-hosting-\d{4}-\d{2}-\d{2}\.csv$/)

    // On a phone: one card per line, nothing wider than the screen.
    const { page: small } = await open({ viewport: PHONE })
    await signIn(small, 'owner@acme.test')
    await visit(small, `/a/${acme}/staff/review`)
    await small.getByRole('main').getByRole('heading', { level: 1, name: 'Access review' }).waitFor()
    await small.getByRole('main').getByRole('list', { name: 'Access in Acme Hosting' }).waitFor()
    assert.equal(await pageOverflow(small), 0, 'nothing wider than the phone')
    await screenshot(small, 'access-review-375')
  })
})
