import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Locator, Page } from 'playwright-core'
import { accountId, pageOverflow, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true }
const DAY = 24 * 3600 * 1000

/** Open a staff row's Edit dialog from its actions menu. */
async function editDialog(page: Page, row: Locator) {
  await row.getByRole('button', { name: /^Actions for/ }).click()
  await page.getByRole('menuitem', { name: 'Edit' }).click()
  const dialog = page.getByRole('dialog', { name: /^Edit / })
  await dialog.waitFor()
  return dialog
}

/** Put the demo back: the end date under `label` (which reads `was`) is cleared and saved. */
async function clearEnd(page: Page, row: Locator, label: string, was: string) {
  const dialog = await editDialog(page, row)
  assert.equal(await dialog.getByLabel(label).inputValue(), was)
  await dialog.getByLabel(label).fill('')
  await dialog.getByRole('button', { name: 'Save changes' }).click()
  await dialog.waitFor({ state: 'hidden' })
  await page.getByRole('status').getByText(/updated/).waitFor()
}

describe('Access that ends', () => {
  story('lets the owner of Acme end Tess’s access in two days: the staff list says until when, and that it ends soon, on a desk and on a phone', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const { page } = await open({ viewport: { width: 1280, height: 900 } })
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/staff`)
    const main = page.getByRole('main')
    const row = main.locator('tr[data-member="tess@acme.test"]')
    await row.waitFor()
    assert.equal(await row.getByText('until', { exact: false }).count(), 0, 'Tess’s access does not end yet')

    const lastDay = new Date(Date.now() + 2 * DAY).toISOString().slice(0, 10)
    const dialog = await editDialog(page, row)
    const field = dialog.getByLabel('Access ends')
    assert.equal(await field.inputValue(), '', 'no end yet')
    await dialog.getByText('Access lasts through this day (UTC)').waitFor()
    await field.fill(lastDay)
    await screenshot(page, 'access-ends-dialog')
    await dialog.getByRole('button', { name: 'Save changes' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await row.getByText('Ends soon').waitFor()
    const until = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${lastDay}T12:00:00Z`))
    await row.getByText(`until ${until}`).waitFor()
    await screenshot(page, 'access-ends-list')

    // On a phone the card says the same, and nothing overflows.
    const phone = await open(PHONE)
    await signIn(phone.page, 'owner@acme.test')
    await visit(phone.page, `/a/${acme}/staff`)
    const card = phone.page.locator('[data-member-card="tess@acme.test"]')
    await card.getByText('Ends soon').waitFor()
    await card.getByText(`until ${until}`).waitFor()
    assert.equal(await pageOverflow(phone.page), 0, 'the staff cards fit 375 px')
    await screenshot(phone.page, 'access-ends-phone')
    await phone.context.close()

    // The change is in the log as a change of the member.
    await visit(page, `/a/${acme}/activity?type=update_user_permissions`)
    await page.getByRole('main').getByText(/tess@acme\.test in Acme Hosting; their access ends on/).first().waitFor()

    // Put the demo back: Tess's access lasts again.
    await visit(page, `/a/${acme}/staff`)
    await clearEnd(page, row, 'Access ends', lastDay)
    // The list reloads after the toast: wait for the badge to go rather than reading it at once.
    await row.getByText('Ends soon').waitFor({ state: 'detached' })
    await row.getByText(/^until /).waitFor({ state: 'detached' })
  })

  story('lets the owner of Acme give Tess’s Technical role an end of its own: the staff list says until when beside the role, in English and in French, and the date clears', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const { page } = await open({ viewport: { width: 1280, height: 900 } })
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/staff`)
    const row = page.getByRole('main').locator('tr[data-member="tess@acme.test"]')
    const roleEnd = row.locator('[data-role-ends="technical"]')
    await row.waitFor()
    assert.equal(await roleEnd.count(), 0, 'Tess’s Technical role does not end yet')

    const lastDay = new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10)
    const noon = new Date(`${lastDay}T12:00:00Z`)
    const dialog = await editDialog(page, row)
    const field = dialog.getByLabel('End of the Technical role')
    assert.equal(await field.inputValue(), '', 'no end yet')
    await field.fill(lastDay)
    await screenshot(page, 'role-ends-dialog')
    await dialog.getByRole('button', { name: 'Save changes' }).click()
    await dialog.waitFor({ state: 'hidden' })
    const until = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).format(noon)
    await roleEnd.getByText(`until ${until}`).waitFor()
    assert.equal(await row.getByText('Ends soon').count(), 0, 'the membership itself does not end')
    await screenshot(page, 'role-ends-list')

    // In French, on a phone: the same end beside the role, and in the dialog under its French name.
    const phone = await open(PHONE)
    await signIn(phone.page, 'owner@acme.test')
    await phone.context.addCookies([{ name: 'trellis-lang', value: 'fr', url: new URL(phone.page.url()).origin }])
    await visit(phone.page, `/a/${acme}/staff`)
    const card = phone.page.locator('[data-member-card="tess@acme.test"]')
    const jusquau = new Intl.DateTimeFormat('fr', { dateStyle: 'medium', timeZone: 'UTC' }).format(noon)
    await card.locator('[data-role-ends="technical"]').getByText(`jusqu’au ${jusquau}`).waitFor()
    assert.equal(await pageOverflow(phone.page), 0, 'the staff cards fit 375 px')
    await screenshot(phone.page, 'role-ends-phone-fr')
    await card.getByRole('button', { name: /^Actions pour/ }).click()
    await phone.page.getByRole('menuitem', { name: 'Modifier' }).click()
    const frDialog = phone.page.getByRole('dialog')
    const frField = frDialog.getByLabel('Fin du rôle Technique')
    assert.equal(await frField.inputValue(), lastDay)
    await frField.scrollIntoViewIfNeeded()
    assert.equal(await pageOverflow(phone.page), 0, 'the dialog fits 375 px')
    await screenshot(phone.page, 'role-ends-dialog-phone-fr')
    await phone.context.close()

    // The change is in the log, naming the role.
    await visit(page, `/a/${acme}/activity?type=update_user_permissions`)
    await page.getByRole('main').getByText(/role technical ends on/).first().waitFor()

    // Put the demo back: clearing the date, the role lasts as long as the membership again.
    await visit(page, `/a/${acme}/staff`)
    await clearEnd(page, row, 'End of the Technical role', lastDay)
    await roleEnd.waitFor({ state: 'detached' })
  })
})
