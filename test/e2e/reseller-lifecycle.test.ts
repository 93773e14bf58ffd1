import assert from 'node:assert/strict'
import { describe } from 'node:test'
import {
  acceptAsNewPerson,
  accountId,
  BASE_URL,
  followEmailLink,
  hydrated,
  pageOverflow,
  pathOf,
  screenshot,
  signIn,
  story,
  STORY_TIMEOUT,
  submitLogin,
  visit,
} from './support.ts'

describe('Disabling a reseller', () => {
  story("signs out the reseller's owner in another browser and refuses their sign-in with the reason", { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    // Acme's owner is working in one browser.
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    const acmeDashboard = pathOf(owner.page)
    await owner.page.getByRole('meter', { name: 'Customers' }).waitFor()
    await screenshot(owner.page, 'reseller-usage-bars')

    // The platform admin disables Acme from the Resellers page, giving a reason to show.
    const admin = await open()
    await signIn(admin.page, 'admin@nimbus.test')
    const nimbus = await accountId(admin.page, 'Nimbus Cloud')
    await visit(admin.page, `/a/${nimbus}/resellers`)
    const row = admin.page.locator('tr[data-account="Acme Hosting"]')
    await row.getByText('Standard partner').waitFor()
    await screenshot(admin.page, 'resellers-list')
    await row.getByRole('button', { name: 'Disable Acme Hosting' }).click()
    const dialog = admin.page.getByRole('dialog', { name: 'Disable Acme Hosting' })
    await dialog.getByLabel('Reason', { exact: true }).fill('Overdue invoice INV-2041')
    await dialog.getByLabel(/Show the reason/).check()
    await screenshot(admin.page, 'reseller-disable-dialog')
    await dialog.getByRole('button', { name: 'Disable reseller' }).click()
    await row.getByText('Overdue invoice INV-2041').waitFor()
    assert.ok(await row.getByText('Disabled').isVisible(), 'the list shows Acme as disabled')
    await screenshot(admin.page, 'resellers-list-disabled')

    // The owner's next request finds the session gone.
    await owner.page.goto(acmeDashboard)
    assert.equal(pathOf(owner.page), '/login', 'the owner is signed out')
    await submitLogin(owner.page, 'owner@acme.test', 'trellis-demo')
    const alert = owner.page.getByText(/Acme Hosting is suspended/)
    await alert.waitFor()
    assert.match(await alert.innerText(), /Overdue invoice INV-2041/)
    await screenshot(owner.page, 'reseller-suspended-login')

    // Enabling lets the owner back in.
    await row.getByRole('button', { name: 'Enable Acme Hosting' }).click()
    await admin.page.getByRole('alertdialog').getByRole('button', { name: 'Enable' }).click()
    await row.getByText('Active').waitFor()
    await signIn(owner.page, 'owner@acme.test')
  })

  story('deletes a template after asking, by the row it was asked for', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'admin@nimbus.test')
    const nimbus = await accountId(page, 'Nimbus Cloud')
    for (const name of ['Kept template', 'Unwanted template']) {
      const made = await page.request.post(`/api/v1/accounts/${nimbus}/templates`, { headers: { origin: BASE_URL }, data: { name } })
      assert.equal(made.status(), 201, await made.text())
    }
    await visit(page, `/a/${nimbus}/resellers/templates`)
    await hydrated(page)
    await page.getByRole('button', { name: 'Delete Unwanted template' }).click()
    const dialog = page.getByRole('alertdialog', { name: 'Delete the template Unwanted template?' })
    await dialog.getByRole('button', { name: 'Delete template' }).click()
    await page.getByText('Template deleted').waitFor()
    await page.getByRole('cell', { name: 'Unwanted template', exact: true }).waitFor({ state: 'detached' })
    await page.getByRole('cell', { name: 'Kept template', exact: true }).waitFor()
  })

  story('creates a template and a reseller from it, whose owner joins from the emailed invitation; then deletes the reseller by typing its name and restores it', { timeout: STORY_TIMEOUT * 3 }, async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'admin@nimbus.test')
    const nimbus = await accountId(page, 'Nimbus Cloud')

    await visit(page, `/a/${nimbus}/resellers/templates/new`)
    await page.getByLabel('Template name').fill('Small partner')
    await page.getByLabel('Max customers').fill('5')
    await page.getByLabel('Max server services').fill('2')
    await page.getByLabel('Only the sections chosen below').check()
    await page.getByLabel('Billing', { exact: true }).uncheck()
    await screenshot(page, 'reseller-template-form')
    await page.getByRole('button', { name: 'Save template' }).click()
    await page.waitForURL(/\/resellers\/templates$/)
    await page.getByRole('cell', { name: 'Small partner', exact: true }).waitFor()
    await screenshot(page, 'reseller-templates')

    // No password for the owner: they are emailed an invitation and choose their own.
    await visit(page, `/a/${nimbus}/resellers/new`)
    assert.equal(await page.locator('input[type="password"]').count(), 0, 'the form asks for no password')
    await page.getByLabel('Reseller name').fill('Initech Partners')
    await page.getByLabel('Owner email').fill('owner@initech.test')
    await page.getByLabel('Owner name').fill('Bill Lumbergh')
    await page.getByLabel('Start from a template').selectOption({ label: 'Small partner' })
    await screenshot(page, 'reseller-create')
    await page.getByRole('button', { name: 'Create reseller' }).click()
    const created = page.getByRole('status', { name: 'Invitation sent to owner@initech.test' })
    await created.waitFor()
    assert.match(await created.innerText(), /Bill Lumbergh becomes the owner of Initech Partners by accepting it/)
    await screenshot(page, 'reseller-created')
    await page.setViewportSize({ width: 375, height: 800 })
    assert.equal(await pageOverflow(page), 0, 'the confirmation fits 375 px')
    await screenshot(page, 'reseller-created-375')
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.getByRole('link', { name: 'Back to resellers' }).click()
    await page.waitForURL(/\/resellers$/)
    const row = page.locator('tr[data-account="Initech Partners"]')
    await row.getByText('Small partner').waitFor()
    assert.match(await row.innerText(), /5 customers · 2 server/)
    // Nobody owns it until the invitation is accepted: the row names who was invited.
    await row.getByRole('button', { name: 'Resend the owner invitation to owner@initech.test' }).waitFor()
    assert.match(await row.innerText(), /owner@initech\.test/)
    assert.equal(await row.getByRole('button', { name: /Log in as/ }).count(), 0, 'no owner to log in as yet')
    await screenshot(page, 'resellers-awaiting-owner')

    // Bill opens the email in his own browser and creates his login.
    const bill = await open()
    const invite = await followEmailLink(bill.context, bill.page, 'owner@initech.test', /Open your portal/)
    await invite.getByRole('heading', { level: 1, name: 'Join Initech Partners' }).waitFor()
    await screenshot(invite, 'reseller-owner-invite')
    await acceptAsNewPerson(invite, 'Bill Lumbergh', 'violet-harbour-71-lantern')
    await invite.getByRole('button', { name: /^Initech Partners\b.*switch account/ }).waitFor()
    await screenshot(invite, 'reseller-owner-landed')
    await bill.context.close()

    await page.reload()
    await hydrated(page)
    await row.getByText('owner@initech.test').waitFor()

    await row.getByRole('button', { name: 'Delete Initech Partners' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete Initech Partners' })
    const confirm = dialog.getByRole('button', { name: 'Delete reseller' })
    assert.ok(await confirm.isDisabled(), 'delete waits for the typed name')
    await dialog.getByLabel(/Type/).fill('Initech Partners')
    await confirm.click()
    await page.getByRole('heading', { name: /Deleted — restorable/ }).waitFor()
    await screenshot(page, 'resellers-deleted')
    await page.getByRole('button', { name: 'Restore Initech Partners' }).click()
    await page.getByRole('alertdialog').getByRole('button', { name: 'Restore' }).click()
    await page.getByRole('heading', { name: /Deleted — restorable/ }).waitFor({ state: 'detached' })
  })

  story("a reseller disables one of its customers from the Customers page and that customer's owner is refused", async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/customers`)
    // One list: each customer is a single row, with its owner and the lifecycle actions in the row's menu.
    const row = page.locator('tr[data-account="Copperleaf Studio"]')
    assert.equal(await row.count(), 1, 'Copperleaf Studio is listed once')
    await row.getByText('owner@copperleaf.test').waitFor()
    await row.getByRole('button', { name: 'Actions for Copperleaf Studio' }).click()
    await page.getByRole('menuitem', { name: 'Disable' }).click()
    const dialog = page.getByRole('dialog', { name: 'Disable Copperleaf Studio' })
    await dialog.getByLabel('Reason', { exact: true }).fill('Paused at the customer’s request')
    await dialog.getByRole('button', { name: 'Disable customer' }).click()
    await row.getByText('Disabled').waitFor()
    await screenshot(page, 'customers-lifecycle')

    const other = await open()
    await submitLogin(other.page, 'owner@copperleaf.test', 'trellis-demo')
    await other.page.getByText(/Copperleaf Studio is suspended/).waitFor()
    await other.context.close()

    // A deleted customer leaves the list for the small "Deleted" section, from where it is restored.
    await page.locator('tr[data-account="Driftwood Dental"]').getByRole('button', { name: 'Actions for Driftwood Dental' }).click()
    await page.getByRole('menuitem', { name: 'Delete' }).click()
    const remove = page.getByRole('dialog', { name: 'Delete Driftwood Dental' })
    await remove.getByLabel('Type “Driftwood Dental” to confirm').fill('Driftwood Dental')
    await remove.getByRole('button', { name: 'Delete customer' }).click()
    const deleted = page.getByRole('region', { name: /Deleted — restorable/ })
    await deleted.locator('tr[data-account="Driftwood Dental"]').waitFor()
    assert.equal(await page.getByRole('main').getByRole('link', { name: 'Driftwood Dental' }).count(), 0, 'a deleted customer is no longer a link in the list')
    await screenshot(page, 'customers-deleted')
    await deleted.getByRole('button', { name: 'Restore Driftwood Dental' }).click()
    await page.getByRole('alertdialog').getByRole('button', { name: 'Restore' }).click()
    // (Other stories may leave deleted customers there: only Driftwood's row goes.)
    await deleted.locator('tr[data-account="Driftwood Dental"]').waitFor({ state: 'detached' })
    await page.getByRole('main').getByRole('link', { name: 'Driftwood Dental' }).waitFor()

    // Copperleaf's people are in later stories: the reseller enables it again.
    const href = await page.getByRole('main').getByRole('link', { name: 'Copperleaf Studio' }).first().getAttribute('href')
    const copperleaf = href!.split('/')[2]!
    const enabled = await page.request.post(`/api/v1/accounts/${acme}/customers/${copperleaf}/enable`, { headers: { origin: new URL(page.url()).origin } })
    assert.equal(enabled.status(), 200, 'Copperleaf Studio is enabled again')
  })
})

describe('A customer suspended by the platform', () => {
  story('cannot be enabled by its reseller: Globex sees who suspended it and is offered no Enable; the platform enables it', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    // The platform admin suspends Foxglove Farms, a customer of Globex, from Globex's Customers page.
    const admin = await open()
    await signIn(admin.page, 'admin@nimbus.test')
    const nimbus = await accountId(admin.page, 'Nimbus Cloud')
    await visit(admin.page, `/a/${nimbus}/resellers`)
    await admin.page.getByRole('main').getByRole('link', { name: 'Globex Partners', exact: true }).click()
    await admin.page.waitForURL(/\/a\/[^/]+$/)
    const globex = pathOf(admin.page).split('/')[2]!
    await visit(admin.page, `/a/${globex}/customers`)
    const adminRow = admin.page.locator('tr[data-account="Foxglove Farms"]')
    await adminRow.getByRole('button', { name: 'Actions for Foxglove Farms' }).click()
    await admin.page.getByRole('menuitem', { name: 'Disable' }).click()
    const dialog = admin.page.getByRole('dialog', { name: 'Disable Foxglove Farms' })
    await dialog.getByLabel('Reason', { exact: true }).fill('Chargeback under review')
    await dialog.getByRole('button', { name: 'Disable customer' }).click()
    await adminRow.getByText('Disabled').waitFor()
    assert.equal(await adminRow.getByTestId('undo-lock').count(), 0, 'the platform may undo its own suspension')

    // Globex's owner sees it suspended by the provider, and no Enable is offered.
    const grace = await open()
    await signIn(grace.page, 'owner@globex.test')
    assert.equal(await accountId(grace.page, 'Globex Partners'), globex)
    await visit(grace.page, `/a/${globex}/customers`)
    const row = grace.page.locator('tr[data-account="Foxglove Farms"]')
    await row.getByText('Chargeback under review').waitFor()
    await row.getByText('By your provider').waitFor()
    await row.getByRole('button', { name: 'Actions for Foxglove Farms' }).click()
    assert.deepEqual((await grace.page.getByRole('menuitem').allInnerTexts()).map((t) => t.trim()), ['Delete'], 'Enable is not offered')
    await grace.page.keyboard.press('Escape')
    await screenshot(grace.page, 'customers-suspended-by-provider')
    await grace.page.setViewportSize({ width: 375, height: 800 })
    assert.equal(await pageOverflow(grace.page), 0, 'the Customers page fits 375 px')
    await row.getByText('By your provider').waitFor()
    await screenshot(grace.page, 'customers-suspended-by-provider-375')

    // The platform enables it again; Globex's list follows.
    await adminRow.getByRole('button', { name: 'Actions for Foxglove Farms' }).click()
    await admin.page.getByRole('menuitem', { name: 'Enable' }).click()
    await admin.page.getByRole('alertdialog').getByRole('button', { name: 'Enable' }).click()
    await adminRow.getByText('Active').waitFor()
    await grace.page.reload()
    await hydrated(grace.page)
    await row.getByText('Active').waitFor()
    assert.equal(await row.getByText('By your provider').count(), 0)
  })
})

describe('Log in as reseller', () => {
  story('lets the platform admin act as a reseller’s owner for a reason, with the banner, and exit', async ({ open }) => {
    const admin = await open()
    await signIn(admin.page, 'admin@nimbus.test')
    const nimbus = await accountId(admin.page, 'Nimbus Cloud')
    await visit(admin.page, `/a/${nimbus}/resellers`)
    const row = admin.page.locator('tr[data-account="Globex Partners"]')
    await row.getByRole('button', { name: 'Log in as the owner of Globex Partners' }).click()
    const dialog = admin.page.getByRole('dialog', { name: /Log in as Grace Okafor/ })
    // The reason is required.
    await dialog.getByRole('button', { name: 'Start impersonating' }).click()
    await dialog.getByText(/Say why you need to act as them/).waitFor()
    await dialog.getByLabel('Reason', { exact: true }).fill('Support call: their branding looks wrong')
    await screenshot(admin.page, 'login-as-reseller-dialog')
    await dialog.getByRole('button', { name: 'Start impersonating' }).click()

    const banner = admin.page.getByRole('region', { name: 'Impersonation' })
    await banner.getByText(/You are signed in as Grace Okafor/).waitFor()
    assert.match(await banner.innerText(), /Globex Partners/)
    await screenshot(admin.page, 'login-as-reseller-banner')
    await banner.getByRole('button', { name: /Exit/ }).click()
    await banner.waitFor({ state: 'detached' })
  })
})
