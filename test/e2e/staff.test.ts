import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { accountId, visit, launchBrowser, menuLabels, openPage, screenshot, signIn, STORY_TIMEOUT } from './support.ts'

describe('The Staff page', () => {
  let browser: Browser
  before(async () => {
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
  })

  it('is not in Billie’s menu, and opening it directly shows a finished “no access” page', { timeout: STORY_TIMEOUT }, async () => {
    const { context, page } = await openPage(browser)
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
    await context.close()
  })

  it('lets the owner of Acme add a Technical user with a tagged scope, and remove them after confirming', { timeout: STORY_TIMEOUT }, async () => {
    const { context, page } = await openPage(browser)
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' }).click()
    await page.waitForURL(`**/a/${acme}/staff`)
    const main = page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'Staff' }).waitFor()
    await main.getByText('2 of 3').waitFor()
    assert.equal(await page.title(), 'Staff · Acme Hosting · Trellis')

    // The owner's own row: a "You" marker and only their own notifications to choose; the others have a full menu.
    const ownRow = main.locator('tr[data-member="owner@acme.test"]')
    await ownRow.getByText('You', { exact: true }).waitFor()
    await ownRow.getByRole('button', { name: 'Actions for Alex Moreno' }).click()
    assert.deepEqual((await page.getByRole('menuitem').allInnerTexts()).map((t) => t.trim()), ['Notifications'], 'only notifications on the owner row')
    await page.keyboard.press('Escape')
    await main.getByRole('button', { name: 'Actions for Tom Becker' }).waitFor()

    const email = `jo.${Date.now()}@acme.test`
    await main.getByRole('button', { name: 'Add member' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add a member' })
    await dialog.waitFor()
    await dialog.getByLabel('Name').fill('Jo Park')
    await dialog.getByLabel('Email').fill(email)
    await dialog.getByLabel('Initial password').fill('plum-orchard-lantern-42')
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
    await dialog.getByRole('button', { name: 'Add member' }).click()

    await dialog.waitFor({ state: 'hidden' })
    await page.getByRole('status').getByText('Jo Park added').waitFor()
    const row = main.locator(`tr[data-member="${email}"]`)
    await row.waitFor()
    assert.match(await row.innerText(), /Jo Park[\s\S]*User[\s\S]*Technical[\s\S]*Tagged: managed/)
    await screenshot(page, 'staff')

    await main.getByRole('button', { name: 'Actions for Jo Park' }).click()
    await page.getByRole('menuitem', { name: 'Remove' }).click()
    const confirm = page.getByRole('alertdialog', { name: 'Remove Jo Park?' })
    await confirm.waitFor()
    await confirm.getByText(email).waitFor()
    await confirm.getByRole('button', { name: 'Remove Jo' }).click()
    await confirm.waitFor({ state: 'hidden' })
    await row.waitFor({ state: 'detached' })
    await page.getByRole('status').getByText('Jo Park removed from Acme Hosting').waitFor()
    await context.close()
  })

  it('shows the API’s refusal under the field it names', { timeout: STORY_TIMEOUT }, async () => {
    const { context, page } = await openPage(browser)
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/staff`)
    await page.getByRole('main').getByRole('button', { name: 'Add member' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add a member' })
    await dialog.getByLabel('Name').fill('Sarah Again')
    await dialog.getByLabel('Email').fill('sarah@acme.test')
    await dialog.getByLabel('Initial password').fill('password')
    await dialog.getByRole('button', { name: 'Add member' }).click()
    // The password is checked first: a common password is refused, and said so under the password.
    const password = dialog.getByLabel('Initial password')
    await dialog.getByText(/one of the most common passwords/).waitFor()
    assert.equal(await password.getAttribute('aria-invalid'), 'true')
    await password.fill('plum-orchard-lantern-42')
    await dialog.getByRole('button', { name: 'Add member' }).click()
    await dialog.getByText(/already has a login/).waitFor()
    assert.equal(await dialog.getByLabel('Email').getAttribute('aria-invalid'), 'true')
    assert.ok(await dialog.getByRole('button', { name: 'Add member' }).isEnabled(), 'the form can be sent again')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    await context.close()
  })
})
