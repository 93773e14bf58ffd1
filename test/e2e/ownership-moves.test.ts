import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Page } from 'playwright-core'
import { accountId, BASE_URL, followEmailLink, hydrated, pageOverflow, screenshot, signIn, story, STORY_TIMEOUT, submitLogin, visit } from './support.ts'

/** Emailed links open on the brand's own host (a verified hostname): sign in there when it asks. */
async function signInIfAsked(page: Page, email: string, password = 'trellis-demo') {
  if (!new URL(page.url()).pathname.startsWith('/login')) return
  await submitLogin(page, email, password)
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  await hydrated(page)
}

describe('Ownership moves', () => {
  story('Alex offers Acme to Billie, cancels, offers again; Billie accepts from the email; Billie hands it back and Alex accepts in the portal', { timeout: 3 * STORY_TIMEOUT }, async ({ open }) => {
    const alex = await open()
    await signIn(alex.page, 'owner@acme.test')
    const acme = await accountId(alex.page, 'Acme Hosting')
    await visit(alex.page, `/a/${acme}/staff`)
    const main = alex.page.getByRole('main')
    await main.getByRole('button', { name: 'Transfer ownership' }).click()
    const dialog = alex.page.getByRole('dialog', { name: 'Transfer ownership of Acme Hosting' })
    await dialog.getByLabel('New owner').selectOption({ label: 'Billie Novak (billie@acme.test)' })
    // A wrong password first: said under the field.
    await dialog.getByLabel('Your password').fill('not-my-password')
    await dialog.getByRole('button', { name: 'Offer ownership' }).click()
    await dialog.getByText('Your password is not correct.').waitFor()
    await screenshot(alex.page, 'ownership-offer-dialog')
    await dialog.getByLabel('Your password').fill('trellis-demo')
    await dialog.getByRole('button', { name: 'Offer ownership' }).click()
    await dialog.waitFor({ state: 'hidden' })
    const pending = main.getByTestId('ownership-offer')
    await pending.getByText('Ownership offered to Billie Novak').waitFor()
    await screenshot(alex.page, 'ownership-pending')

    // Cancel: the confirmation names who it was for.
    await pending.getByRole('button', { name: 'Cancel offer' }).click()
    const cancel = alex.page.getByRole('alertdialog', { name: 'Cancel the offer to Billie Novak?' })
    await cancel.getByRole('button', { name: 'Cancel offer' }).click()
    await pending.waitFor({ state: 'hidden' })
    // Offer again.
    await main.getByRole('button', { name: 'Transfer ownership' }).click()
    await dialog.getByLabel('New owner').selectOption({ label: 'Billie Novak (billie@acme.test)' })
    await dialog.getByLabel('Your password').fill('trellis-demo')
    await dialog.getByRole('button', { name: 'Offer ownership' }).click()
    await pending.getByText('Ownership offered to Billie Novak').waitFor()

    // Billie (Billing role: no Staff page) answers from the email link.
    const billie = await open()
    await signIn(billie.page, 'billie@acme.test')
    const offer = await followEmailLink(billie.context, billie.page, 'billie@acme.test', /Review the offer/)
    await signInIfAsked(offer, 'billie@acme.test')
    await offer.getByRole('heading', { level: 1, name: 'Become the owner of Acme Hosting?' }).waitFor()
    await screenshot(offer, 'ownership-accept-page')
    await offer.setViewportSize({ width: 375, height: 800 })
    assert.equal(await pageOverflow(offer), 0, 'the accept page fits a phone')
    await screenshot(offer, 'ownership-accept-page-375')
    await offer.setViewportSize({ width: 1280, height: 800 })
    await offer.getByRole('button', { name: 'Accept ownership' }).click()
    await offer.waitForURL(/\/staff$/)
    await offer.locator('[data-member="billie@acme.test"]').getByText('Owner', { exact: true }).waitFor()

    // Billie hands it back; Alex (now an admin) accepts on the Staff page.
    const billieMain = offer.getByRole('main')
    await billieMain.getByRole('button', { name: 'Transfer ownership' }).click()
    const back = offer.getByRole('dialog', { name: 'Transfer ownership of Acme Hosting' })
    await back.getByLabel('New owner').selectOption({ label: 'Alex Moreno (owner@acme.test)' })
    await back.getByLabel('Your password').fill('trellis-demo')
    await back.getByRole('button', { name: 'Offer ownership' }).click()
    await back.waitFor({ state: 'hidden' })

    await alex.page.setViewportSize({ width: 375, height: 800 })
    await visit(alex.page, `/a/${acme}/staff`)
    const mine = alex.page.getByRole('main').getByTestId('ownership-offer')
    await mine.getByText('Billie Novak offers you ownership of Acme Hosting').waitFor()
    assert.equal(await pageOverflow(alex.page), 0, 'the staff page with an offer fits a phone')
    await screenshot(alex.page, 'ownership-offer-in-app-375')
    await alex.page.setViewportSize({ width: 1280, height: 800 })
    await mine.getByRole('button', { name: 'Accept ownership' }).click()
    await alex.page.getByRole('alertdialog', { name: 'Become the owner of Acme Hosting?' }).getByRole('button', { name: 'Accept ownership' }).click()
    await mine.waitFor({ state: 'hidden' })
    await alex.page.getByRole('main').locator('[data-member="owner@acme.test"]').getByText('Owner', { exact: true }).waitFor()

    // Back to the demo's state: Billie keeps only her Billing role.
    const row = alex.page.getByRole('main').locator('[data-member="billie@acme.test"]')
    await row.getByRole('button', { name: 'Actions for Billie Novak' }).click()
    await alex.page.getByRole('menuitem', { name: 'Edit' }).click()
    const edit = alex.page.getByRole('dialog')
    await edit.getByRole('checkbox', { name: /^Account Owner/ }).uncheck()
    await edit.getByRole('button', { name: 'Save changes' }).click()
    await edit.waitFor({ state: 'hidden' })
    await row.getByText('Account Owner').waitFor({ state: 'hidden' })
    await screenshot(alex.page, 'ownership-restored')
  })

  story('Acme brings an organisation from Globex; its owner reads what changes and accepts; Globex no longer reaches it', { timeout: 3 * STORY_TIMEOUT }, async ({ open }) => {
    const suffix = Date.now().toString(36)
    const email = `owner-${suffix}@orchard.test`
    const organisation = `Orchard ${suffix}`

    // An organisation of the story's own, under Globex.
    const grace = await open()
    await signIn(grace.page, 'owner@globex.test')
    const globex = await accountId(grace.page, 'Globex Partners')
    await visit(grace.page, `/a/${globex}/customers`)
    await grace.page.getByRole('main').getByRole('button', { name: 'Invite a customer' }).click()
    const invite = grace.page.getByRole('dialog', { name: 'Invite a customer' })
    await invite.getByLabel('Email').fill(email)
    await invite.getByRole('button', { name: 'Send invitation' }).click()
    await invite.waitFor({ state: 'hidden' })
    const owner = await open()
    // Globex's portal speaks French to people who have not chosen; this owner reads English.
    await owner.context.addCookies([{ name: 'trellis-lang', value: 'en', url: BASE_URL.replace('//localhost', '//globex.localhost') }])
    const link = await followEmailLink(owner.context, owner.page, email, /Créer votre compte/)
    await link.getByLabel('Your name').fill('Olive Orchard')
    await link.getByLabel('Choose a password').fill('orchard-lantern-58-tidal')
    await link.getByLabel('Organisation name').fill(organisation)
    await link.getByRole('button', { name: 'Create organisation' }).click()
    await link.waitForURL(/\/a\/[^/]+$/)
    const orgId = new URL(link.url()).pathname.split('/')[2]!

    // Acme asks; the answer says nothing about whether the address owns anything.
    const alex = await open()
    await signIn(alex.page, 'owner@acme.test')
    const acme = await accountId(alex.page, 'Acme Hosting')
    await visit(alex.page, `/a/${acme}/customers`)
    const main = alex.page.getByRole('main')
    await main.getByRole('button', { name: 'Bring an existing organisation' }).click()
    const ask = alex.page.getByRole('dialog', { name: 'Bring an existing organisation' })
    await ask.getByLabel('Owner’s email').fill(email)
    await screenshot(alex.page, 'move-request-dialog')
    await ask.getByRole('button', { name: 'Send request' }).click()
    await ask.waitFor({ state: 'hidden' })
    await main.locator(`[data-move-request="${email}"]`).getByText('Waiting', { exact: true }).waitFor()
    await screenshot(alex.page, 'move-requests')

    // The owner opens the link, signed in as themselves, and reads what changes.
    const request = await followEmailLink(owner.context, link, email, /Review the request/)
    await signInIfAsked(request, email, 'orchard-lantern-58-tidal')
    await request.getByRole('heading', { level: 1, name: 'Move your organisation to Acme Hosting?' }).waitFor()
    await request.getByText('Partner access to every service starts').waitFor()
    await request.getByText(`Now with Globex Partners`).waitFor()
    await screenshot(request, 'move-accept-page')
    await request.setViewportSize({ width: 375, height: 800 })
    assert.equal(await pageOverflow(request), 0, 'the move page fits a phone')
    await screenshot(request, 'move-accept-page-375')
    await request.setViewportSize({ width: 1280, height: 800 })
    await request.getByRole('button', { name: 'Move to Acme Hosting' }).click()
    await request.waitForURL(/\/services$/)

    // Acme lists it; Globex no longer reaches it.
    await visit(alex.page, `/a/${acme}/customers`)
    await main.locator(`[data-move-request="${email}"]`).getByText('Moved in', { exact: true }).waitFor()
    await main.getByRole('link', { name: organisation }).first().waitFor()
    const gone = await grace.page.goto(new URL(`/a/${orgId}`, grace.page.url()).toString())
    assert.equal(gone?.status(), 404, 'the old parent gets 404')
    await alex.page.setViewportSize({ width: 375, height: 800 })
    await visit(alex.page, `/a/${acme}/customers`)
    assert.equal(await pageOverflow(alex.page), 0, 'the customers page fits a phone')
    await screenshot(alex.page, 'move-customers-375')
    await alex.page.setViewportSize({ width: 1280, height: 800 })

    // The story's organisation does not stay in the demo's counts.
    await visit(alex.page, `/a/${acme}/customers`)
    await main.getByRole('button', { name: `Actions for ${organisation}` }).click()
    await alex.page.getByRole('menuitem', { name: 'Delete' }).click()
    const del = alex.page.getByRole('dialog', { name: `Delete ${organisation}` })
    await del.getByLabel(`Type “${organisation}” to confirm`).fill(organisation)
    await del.getByRole('button', { name: /^Delete/ }).click()
    await del.waitFor({ state: 'hidden' })
  })
})
