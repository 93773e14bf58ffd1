import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { accountId, followEmailLink, hydrated, pageOverflow, pathOf, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

describe('Invitations', () => {
  story('lets Acme’s owner invite a customer; the prospect opens the link from the outbox, creates the organisation, and Acme sees it under Customers', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const stamp = Date.now()
    const email = `prospect.${stamp}@harbour.test`
    const organisation = `Harbour Café ${stamp}`

    // The reseller invites.
    const reseller = await open()
    await signIn(reseller.page, 'owner@acme.test')
    const acme = await accountId(reseller.page, 'Acme Hosting')
    await reseller.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customers' }).click()
    await reseller.page.waitForURL(`**/a/${acme}/customers`)
    const main = reseller.page.getByRole('main')
    await main.getByRole('button', { name: 'Invite a customer' }).click()
    const dialog = reseller.page.getByRole('dialog', { name: 'Invite a customer' })
    await dialog.getByLabel('Email').fill(email)
    await dialog.getByLabel('Organisation name (optional)').fill('Harbour')
    await dialog.getByRole('button', { name: 'Send invitation' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await reseller.page.getByRole('status').getByText(`Invitation sent to ${email}`).waitFor()
    const pending = main.locator(`[data-invitation="${email}"]`)
    await pending.getByText('Pending').waitFor()
    await screenshot(reseller.page, 'customers-invitations')

    // The prospect, in a browser of their own, follows the emailed link.
    const prospect = await open()
    await visit(prospect.page, '/dev/outbox')
    await screenshot(prospect.page, 'dev-outbox')
    const invite = await followEmailLink(prospect.context, prospect.page, email, /Create your account/)
    const invitePath = pathOf(invite)
    assert.match(invitePath, /^\/invite\//)
    await invite.getByRole('heading', { level: 1, name: 'Set up your organisation with Acme Hosting' }).waitFor()
    await invite.getByText('Alex Moreno').first().waitFor()
    assert.equal(await invite.getByLabel('Organisation name').inputValue(), 'Harbour', 'the suggested name is filled in')
    await invite.getByLabel('Your name').fill('Hana Ito')
    await invite.getByLabel('Choose a password').fill('tidal-harbour-lantern-58')
    await invite.getByLabel('Organisation name').fill(organisation)
    await screenshot(invite, 'invite-customer-accept')
    await invite.getByRole('button', { name: 'Create organisation' }).click()
    await invite.waitForURL(/\/a\/[^/]+$/)
    await invite.getByRole('button', { name: new RegExp(`^${organisation}\\b.*switch account`) }).waitFor()
    await screenshot(invite, 'invite-customer-landed')

    // The link is single-use: opening it again is a finished page, not an error dump.
    const response = await visit(invite, invitePath)
    assert.equal(response?.status(), 410)
    await invite.getByRole('heading', { level: 1, name: 'This invitation has already been accepted' }).waitFor()
    await screenshot(invite, 'invite-used')
    await prospect.context.close()

    // The reseller sees the new customer, and the invitation is no longer pending.
    await reseller.page.reload()
    await hydrated(reseller.page)
    await main.getByRole('link', { name: organisation }).waitFor()
    assert.equal(await main.locator(`[data-invitation="${email}"]`).count(), 0, 'the accepted invitation left the pending list')
    await screenshot(reseller.page, 'customers-after-invitation')
  })

  story('shows a finished page for an unknown invitation link', async ({ open }) => {
    const { page } = await open()
    const response = await visit(page, '/invite/not-a-real-token')
    assert.equal(response?.status(), 404)
    await page.getByRole('heading', { level: 1, name: 'This invitation link is not valid' }).waitFor()
    await page.getByRole('link', { name: 'Go to sign in' }).waitFor()
    await screenshot(page, 'invite-invalid')
  })

  story('adds Acme to Sam’s existing login when Sam signs in to accept a staff invitation; the switcher then lists every account', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    const acme = await accountId(owner.page, 'Acme Hosting')
    await owner.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' }).click()
    await owner.page.waitForURL(`**/a/${acme}/staff`)
    const main = owner.page.getByRole('main')
    await main.getByRole('button', { name: 'Invite member' }).click()
    const dialog = owner.page.getByRole('dialog', { name: 'Invite a member' })
    await dialog.getByLabel('Email').fill('sam@freelance.test')
    await dialog.getByRole('radio', { name: /^User/ }).check()
    await dialog.getByRole('checkbox', { name: /^Technical/ }).check()
    await dialog.getByRole('radio', { name: /^All services/ }).check()
    await screenshot(owner.page, 'staff-invite-dialog')
    await dialog.getByRole('button', { name: 'Send invitation' }).click()
    await dialog.waitFor({ state: 'hidden' })
    const pending = main.locator('[data-invitation="sam@freelance.test"]')
    await pending.getByText('Pending').waitFor()
    await screenshot(owner.page, 'staff-invitations')

    // Sam opens the link signed out: the page says Sam already has a login.
    const sam = await open()
    const invite = await followEmailLink(sam.context, sam.page, 'sam@freelance.test', /Accept the invitation/)
    await invite.getByRole('heading', { level: 1, name: 'Join Acme Hosting' }).waitFor()
    await invite.getByText('You already have a login').waitFor()
    await screenshot(invite, 'invite-sign-in-first')
    const invitePath = pathOf(invite)
    await invite.getByRole('link', { name: 'Sign in to accept' }).click()
    await invite.waitForURL('**/login?redirectTo=*')
    await hydrated(invite)
    await invite.getByLabel('Email').fill('sam@freelance.test')
    await invite.getByLabel('Password').fill('trellis-demo')
    await invite.getByRole('button', { name: 'Sign in', exact: true }).click()
    // Back on the invitation, now signed in as the invited email.
    await invite.waitForURL(`**${invitePath}`)
    await hydrated(invite)
    await invite.getByRole('button', { name: 'Accept invitation' }).click()
    await invite.waitForURL(`**/a/${acme}`)
    await hydrated(invite)

    // One login, several accounts: the switcher lists Acme next to Sam's two customer accounts.
    await invite.getByRole('button', { name: /^Acme Hosting\b.*switch account/ }).click()
    const switcher = invite.getByRole('listbox').or(invite.getByRole('dialog')).first()
    for (const name of ['Acme Hosting', 'Bluebird Bakery', 'Evergreen Legal']) await switcher.getByText(name, { exact: true }).first().waitFor()
    await screenshot(invite, 'switcher-several-accounts')
    await invite.keyboard.press('Escape')

    // The login remembers the account last used: signing in again elsewhere returns to Acme.
    const elsewhere = await open()
    await signIn(elsewhere.page, 'sam@freelance.test')
    assert.equal(pathOf(elsewhere.page), `/a/${acme}`)
    await elsewhere.context.close()

    // The owner's pending list no longer has Sam; Sam is a member now.
    await owner.page.reload()
    await hydrated(owner.page)
    await main.locator('tr[data-member="sam@freelance.test"]').waitFor()
    assert.equal(await main.locator('[data-invitation="sam@freelance.test"]').count(), 0)
  })

  story('refuses, with a clear message and a way out, an invitation opened while signed in as someone else', async ({ open }) => {
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    const acme = await accountId(owner.page, 'Acme Hosting')
    await visit(owner.page, `/a/${acme}/staff`)
    const email = `kim.${Date.now()}@acme.test`
    await owner.page.getByRole('main').getByRole('button', { name: 'Invite member' }).click()
    const dialog = owner.page.getByRole('dialog', { name: 'Invite a member' })
    await dialog.getByLabel('Email').fill(email)
    await dialog.getByRole('radio', { name: /^User/ }).check()
    await dialog.getByRole('radio', { name: /^No services/ }).check()
    await dialog.getByRole('button', { name: 'Send invitation' }).click()
    await dialog.waitFor({ state: 'hidden' })

    // Tom, signed in (on the host the email links to), opens Kim's link.
    const tom = await open()
    const invite = await followEmailLink(tom.context, tom.page, email, /Accept the invitation/)
    const invitePath = pathOf(invite)
    await visit(invite, `${new URL(invite.url()).origin}/login?redirectTo=${encodeURIComponent(invitePath)}`)
    await invite.getByLabel('Email').fill('tom@acme.test')
    await invite.getByLabel('Password').fill('trellis-demo')
    await invite.getByRole('button', { name: 'Sign in', exact: true }).click()
    await invite.waitForURL(`**${invitePath}`)
    await hydrated(invite)
    await invite.getByRole('alert').getByText(`This invitation is for ${email}`).waitFor()
    await invite.getByText('You are signed in as').first().waitFor()
    await screenshot(invite, 'invite-email-mismatch')
    await invite.setViewportSize({ width: 375, height: 800 })
    assert.equal(await pageOverflow(invite), 0, 'the invitation fits 375 px')
    await screenshot(invite, 'invite-email-mismatch-375')
    await invite.setViewportSize({ width: 1280, height: 800 })
    await invite.getByRole('button', { name: 'Sign out of tom@acme.test' }).click()
    // Signed out, the same link offers to create Kim's login.
    await invite.getByLabel('Your name').waitFor()
  })

  story('lets Acme’s owner resend an invitation (the old link stops working), revoke it after confirming, and choose which events Sarah is emailed about', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/staff`)
    const main = page.getByRole('main')
    const email = `lee.${Date.now()}@acme.test`
    await main.getByRole('button', { name: 'Invite member' }).click()
    const dialog = page.getByRole('dialog', { name: 'Invite a member' })
    await dialog.getByLabel('Email').fill(email)
    await dialog.getByRole('radio', { name: /^User/ }).check()
    await dialog.getByRole('radio', { name: /^No services/ }).check()
    await dialog.getByRole('button', { name: 'Send invitation' }).click()
    await dialog.waitFor({ state: 'hidden' })

    // The first link, straight from the outbox API.
    const linkOf = async () => {
      const outbox = (await (await page.request.get('/api/dev/outbox')).json()) as { items: { to: string; text: string }[] }
      const message = outbox.items.find((m) => m.to === email)
      const match = message?.text.match(/https?:\/\/\S+\/invite\/\S+/)
      assert.ok(match, `an invitation email to ${email} with a link`)
      return new URL(match[0]).pathname
    }
    const first = await linkOf()

    await main.getByRole('button', { name: `Actions for the invitation to ${email}` }).click()
    await page.getByRole('menuitem', { name: 'Resend' }).click()
    await page.getByRole('status').getByText('Invitation sent again with a new link').waitFor()
    const second = await linkOf()
    assert.notEqual(second, first, 'resending mails a new link')
    const old = await open()
    const response = await visit(old.page, first)
    assert.equal(response?.status(), 404, 'the old link is dead')
    await old.page.getByRole('heading', { level: 1, name: 'This invitation link is not valid' }).waitFor()
    await old.context.close()

    await main.getByRole('button', { name: `Actions for the invitation to ${email}` }).click()
    await page.getByRole('menuitem', { name: 'Revoke' }).click()
    const confirm = page.getByRole('alertdialog', { name: `Revoke the invitation to ${email}?` })
    await confirm.waitFor()
    await screenshot(page, 'staff-invitation-revoke')
    await confirm.getByRole('button', { name: 'Revoke invitation' }).click()
    await confirm.waitFor({ state: 'hidden' })
    await main.locator(`[data-invitation="${email}"]`).waitFor({ state: 'detached' })

    // Sarah's notifications: pick two event types, save, and find them ticked when opening again.
    await main.getByRole('button', { name: 'Actions for Sarah Chen' }).click()
    await page.getByRole('menuitem', { name: 'Notifications' }).click()
    const notifications = page.getByRole('dialog', { name: 'Notifications for Sarah Chen' })
    await notifications.waitFor()
    const boxes = notifications.getByRole('checkbox')
    await boxes.first().waitFor()
    const first2 = [await boxes.nth(0).getAttribute('value'), await boxes.nth(1).getAttribute('value')]
    await boxes.nth(0).check()
    await boxes.nth(1).check()
    await screenshot(page, 'staff-notifications')
    await notifications.getByRole('button', { name: 'Save' }).click()
    await notifications.waitFor({ state: 'hidden' })
    await page.getByRole('status').getByText('Notifications saved for Sarah Chen').waitFor()
    await main.getByRole('button', { name: 'Actions for Sarah Chen' }).click()
    await page.getByRole('menuitem', { name: 'Notifications' }).click()
    await notifications.waitFor()
    for (const value of first2) await notifications.locator(`input[value="${value}"]:checked`).waitFor()
  })
})
