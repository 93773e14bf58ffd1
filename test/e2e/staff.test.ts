import assert from 'node:assert/strict'
import { describe } from 'node:test'
import {
  acceptAsNewPerson,
  accountId,
  followEmailLink,
  hydrated,
  menuLabels,
  pageOverflow,
  pathOf,
  screenshot,
  signIn,
  story,
  STORY_TIMEOUT,
  visit,
} from './support.ts'

describe('The Staff page', () => {
  story('is not in Billie’s menu, and opening it directly shows a finished “no access” page', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'billie@acme.test')
    const labels = await menuLabels(page)
    assert.ok(labels.includes('Billing'), `Billie sees Billing (got ${labels.join(', ')})`)
    assert.ok(!labels.includes('Staff'), `Billie does not see Staff (got ${labels.join(', ')})`)

    const acme = await accountId(page, 'Acme Hosting')
    const response = await visit(page, `/a/${acme}/staff`)
    assert.equal(response?.status(), 403)
    await page.getByRole('heading', { level: 1, name: /You don.t have access/ }).waitFor()
    await page.getByText('Your role in Acme Hosting does not include Staff.').waitFor()
    // The shell is still there: the menu and a way back.
    assert.deepEqual(await menuLabels(page), labels)
    await page.getByRole('link', { name: 'Back to the dashboard' }).click()
    await page.waitForURL(`**/a/${acme}`)
  })

  story('lets the owner of Acme invite a Technical user with a tagged scope; the invitation waits until Jo accepts, and Jo is removed after confirming', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' }).click()
    await page.waitForURL(`**/a/${acme}/staff`)
    const main = page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'Staff' }).waitFor()
    await main.getByText('2 of 3').waitFor()
    assert.equal(await page.title(), 'Staff · Acme Hosting · Nimbus Cloud')

    // The owner's own row: a "You" marker and only their own notifications to choose; the others have a full menu.
    const ownRow = main.locator('tr[data-member="owner@acme.test"]')
    await ownRow.getByText('You', { exact: true }).waitFor()
    await ownRow.getByRole('button', { name: 'Actions for Alex Moreno' }).click()
    assert.deepEqual((await page.getByRole('menuitem').allInnerTexts()).map((t) => t.trim()), ['Notifications'], 'only notifications on the owner row')
    await page.keyboard.press('Escape')
    await main.getByRole('button', { name: 'Actions for Tom Becker' }).waitFor()

    // Adding someone is an invitation: no password is chosen for them.
    const email = `jo.${Date.now()}@acme.test`
    await main.getByRole('button', { name: 'Invite member' }).click()
    const dialog = page.getByRole('dialog', { name: 'Invite a member' })
    await dialog.waitFor()
    assert.equal(await dialog.locator('input[type="password"]').count(), 0, 'the dialog asks for no password')
    await dialog.getByText('They choose their own password when they accept').waitFor()
    await dialog.getByLabel('Email').fill(email)
    await dialog.getByRole('radio', { name: /^User/ }).check()
    // A user cannot hold roles with non-technical permissions: those are greyed out.
    assert.equal(await dialog.getByRole('checkbox', { name: /^Billing/ }).isDisabled(), true, 'Billing is not offered to a user')
    await dialog.getByRole('checkbox', { name: /^Technical/ }).check()
    await dialog.getByRole('radio', { name: /^Tagged services/ }).check()
    const tags = dialog.getByLabel('Tags', { exact: true })
    await tags.fill('managed')
    await tags.press('Enter')
    await dialog.getByRole('button', { name: 'Remove tag managed' }).waitFor()
    await screenshot(page, 'staff-dialog')
    await dialog.getByRole('button', { name: 'Send invitation' }).click()

    await dialog.waitFor({ state: 'hidden' })
    await page.getByRole('status').getByText(`Invitation sent to ${email}`).waitFor()
    // Pending, with the level and roles chosen; not a member until accepted.
    const pending = main.locator(`[data-invitation="${email}"]`)
    await pending.getByText('Pending').waitFor()
    assert.match(await pending.innerText(), /User[\s\S]*Technical/)
    assert.equal(await main.locator(`tr[data-member="${email}"]`).count(), 0, 'not a member before accepting')
    await screenshot(page, 'staff')

    // Jo follows the emailed link and creates a login with a password of Jo's own.
    const jo = await open()
    const invite = await followEmailLink(jo.context, jo.page, email, /Accept the invitation/)
    await invite.getByRole('heading', { level: 1, name: 'Join Acme Hosting' }).waitFor()
    await acceptAsNewPerson(invite, 'Jo Park', 'plum-orchard-lantern-42')
    await jo.context.close()

    await page.reload()
    await hydrated(page)
    const row = main.locator(`tr[data-member="${email}"]`)
    await row.waitFor()
    assert.match(await row.innerText(), /Jo Park[\s\S]*User[\s\S]*Technical[\s\S]*Tagged: managed/)
    assert.equal(await pending.count(), 0, 'the accepted invitation left the pending list')

    await main.getByRole('button', { name: 'Actions for Jo Park' }).click()
    await page.getByRole('menuitem', { name: 'Remove' }).click()
    const confirm = page.getByRole('alertdialog', { name: 'Remove Jo Park?' })
    await confirm.waitFor()
    await confirm.getByText(email).waitFor()
    await confirm.getByRole('button', { name: 'Remove Jo' }).click()
    await confirm.waitFor({ state: 'hidden' })
    await row.waitFor({ state: 'detached' })
    await page.getByRole('status').getByText('Jo Park removed from Acme Hosting').waitFor()
  })

  story('shows the API’s refusal under the field it names', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/staff`)
    await page.getByRole('main').getByRole('button', { name: 'Invite member' }).click()
    const dialog = page.getByRole('dialog', { name: 'Invite a member' })
    const email = dialog.getByLabel('Email')
    await email.fill('not-an-email')
    await dialog.getByRole('radio', { name: /^User/ }).check()
    await dialog.getByRole('radio', { name: /^No services/ }).check()
    await dialog.getByRole('button', { name: 'Send invitation' }).click()
    await dialog.getByText('Enter a valid email address.').waitFor()
    assert.equal(await email.getAttribute('aria-invalid'), 'true')
    // Someone already in the account: said under the email, and the form can be sent again.
    await email.fill('sarah@acme.test')
    await dialog.getByRole('button', { name: 'Send invitation' }).click()
    await dialog.getByText(/already a member of this account/).waitFor()
    assert.equal(await email.getAttribute('aria-invalid'), 'true')
    assert.ok(await dialog.getByRole('button', { name: 'Send invitation' }).isEnabled(), 'the form can be sent again')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
  })

  story('lets Acme’s owner see as a Technical user with a tagged scope before inviting anyone, at 1280 and 375 px', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/staff`)
    await page.getByRole('main').getByRole('button', { name: 'Invite member' }).click()
    const dialog = page.getByRole('dialog', { name: 'Invite a member' })
    await dialog.getByRole('radio', { name: /^User/ }).check()
    await dialog.getByRole('checkbox', { name: /^Technical/ }).check()
    await dialog.getByRole('radio', { name: /^Tagged services/ }).check()
    const tags = dialog.getByLabel('Tags', { exact: true })
    await tags.fill('managed')
    await tags.press('Enter')
    await dialog.getByRole('button', { name: 'Preview' }).click()
    const menu = dialog.getByRole('list', { name: 'Menu they would see' })
    await menu.getByText('Services', { exact: true }).waitFor()
    const labels = (await menu.getByRole('listitem').allInnerTexts()).map((t) => t.trim().split(/\s+/)[0])
    assert.deepEqual(labels, ['Dashboard', 'Services', 'Support'], 'a Technical user sees the dashboard, services and support')
    const services = dialog.getByRole('list', { name: 'Services they would see' })
    await services.getByText('acme-control-01').waitFor()
    await dialog.getByTestId('access-preview').scrollIntoViewIfNeeded()
    await screenshot(page, 'staff-see-as')

    // A changed grant clears the answer; the next one matches the new grant.
    await dialog.getByRole('radio', { name: /^No services/ }).check()
    await dialog.getByTestId('access-preview').waitFor({ state: 'detached' })
    await dialog.getByRole('button', { name: 'Preview' }).click()
    await dialog.getByText('No services: their scope reaches none.').waitFor()
    await page.setViewportSize({ width: 375, height: 800 })
    await dialog.getByTestId('access-preview').scrollIntoViewIfNeeded()
    await screenshot(page, 'staff-see-as-375')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
  })

  story('lets Acme’s owner add Rosa by invitation: Rosa accepts from the emailed link, signs in with her own password and sees exactly the menu of the roles chosen', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const stamp = Date.now()
    const email = `rosa.${stamp}@acme.test`
    const password = 'quiet-meadow-lantern-63'
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    const acme = await accountId(owner.page, 'Acme Hosting')
    await visit(owner.page, `/a/${acme}/staff`)
    const main = owner.page.getByRole('main')
    await main.getByRole('button', { name: 'Invite member' }).click()
    const dialog = owner.page.getByRole('dialog', { name: 'Invite a member' })
    await dialog.getByLabel('Email').fill(email)
    await screenshot(owner.page, 'staff-invite-dialog-top')
    await dialog.getByRole('radio', { name: /^User/ }).check()
    await dialog.getByRole('checkbox', { name: /^Technical/ }).check()
    await dialog.getByRole('checkbox', { name: /^Visitation/ }).check()
    await dialog.getByRole('radio', { name: /^All services/ }).check()
    await dialog.getByRole('button', { name: 'Send invitation' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await owner.page.getByRole('status').getByText(`Invitation sent to ${email}`).waitFor()
    const pending = main.locator(`[data-invitation="${email}"]`)
    await pending.getByText('Pending').waitFor()
    assert.match(await pending.innerText(), /User[\s\S]*Technical[\s\S]*Visitation/)
    await screenshot(owner.page, 'staff-invited')
    // On a phone the members are cards, and the invitation dialog fits.
    await owner.page.setViewportSize({ width: 375, height: 800 })
    await main.locator('li[data-member-card="tom@acme.test"]').getByText('Tagged: managed').waitFor()
    assert.equal(await pageOverflow(owner.page), 0, 'the Staff page fits 375 px')
    await screenshot(owner.page, 'staff-invited-375')
    await main.getByRole('button', { name: 'Invite member' }).click()
    await dialog.getByLabel('Email').waitFor()
    await screenshot(owner.page, 'staff-invite-dialog-375')
    await owner.page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })

    // Rosa, in her own browser, opens the email and creates her login.
    const rosa = await open()
    const invite = await followEmailLink(rosa.context, rosa.page, email, /Accept the invitation/)
    await invite.getByRole('heading', { level: 1, name: 'Join Acme Hosting' }).waitFor()
    assert.equal((await invite.getByTestId('invited-email').innerText()).trim(), email)
    await invite.getByText('Visitation', { exact: true }).waitFor()
    await screenshot(invite, 'invite-member-accept')
    await invite.setViewportSize({ width: 375, height: 800 })
    assert.equal(await pageOverflow(invite), 0, 'the invitation fits 375 px')
    await screenshot(invite, 'invite-member-accept-375')
    await invite.setViewportSize({ width: 1280, height: 800 })
    await acceptAsNewPerson(invite, 'Rosa Vidal', password)
    assert.equal(pathOf(invite), `/a/${acme}`)
    const expected = ['Dashboard', 'Services', 'Support', 'Visitation']
    assert.deepEqual(await menuLabels(invite), expected, 'the menu is the roles chosen: Technical and Visitation, as a user')
    await screenshot(invite, 'invite-member-landed')
    await rosa.context.close()

    // Later, anywhere: she signs in with the password she chose and gets the same menu.
    const later = await open()
    await signIn(later.page, email, password)
    assert.equal(pathOf(later.page), `/a/${acme}`)
    assert.deepEqual(await menuLabels(later.page), expected)
    await later.page.setViewportSize({ width: 375, height: 800 })
    assert.equal(await pageOverflow(later.page), 0, 'her dashboard fits 375 px')
    await screenshot(later.page, 'invite-member-dashboard-375')
    await later.context.close()

    // The owner sees Rosa as a member with those roles.
    await owner.page.setViewportSize({ width: 1280, height: 800 })
    await owner.page.reload()
    await hydrated(owner.page)
    const row = main.locator(`tr[data-member="${email}"]`)
    await row.waitFor()
    assert.match(await row.innerText(), /Rosa Vidal[\s\S]*User[\s\S]*Technical[\s\S]*Visitation[\s\S]*All services/)
    assert.equal(await pending.count(), 0)
  })
})
