import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { accountId, screenshot, signIn, story, visit } from './support.ts'

describe('The Roles page', () => {
  story('lets the owner of Acme create a custom role in the editor, see it with no members, and delete it', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Roles' }).click()
    await page.waitForURL(`**/a/${acme}/roles`)
    const main = page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'Roles' }).waitFor()
    // Built-ins first, then custom roles.
    await main.locator('tr[data-role="Technical"]').getByText('Built-in').waitFor()
    await main.locator('tr[data-role="Customer care"]').waitFor()

    await main.getByRole('link', { name: 'New role' }).click()
    await page.waitForURL(`**/a/${acme}/roles/new`)
    const name = `Night shift ${Date.now().toString(36)}`
    await main.getByLabel('Name').fill(name)
    await main.getByLabel('Description').fill('Restarts servers out of hours.')
    const services = main.getByRole('group', { name: 'Services' })
    await services.getByRole('checkbox', { name: 'Operate' }).check()
    // Ticking an action of a section ticks its View too.
    assert.equal(await services.getByRole('checkbox', { name: 'View' }).isChecked(), true)
    await main.getByRole('group', { name: 'Support' }).getByRole('checkbox', { name: 'View' }).check()
    await screenshot(page, 'role-editor')
    await main.getByRole('button', { name: 'Create role' }).click()

    await page.waitForURL(`**/a/${acme}/roles`)
    await page.getByRole('status').getByText(`Role “${name}” created`).waitFor()
    const row = main.locator(`tr[data-role="${name}"]`)
    await row.waitFor()
    assert.equal((await row.locator('td').nth(2).innerText()).trim(), '0', 'nobody holds the new role yet')
    assert.equal((await row.locator('td').nth(1).innerText()).trim(), '4', 'dashboard, services view + operate, support view')
    await screenshot(page, 'roles')

    await main.getByRole('button', { name: `Actions for ${name}` }).click()
    await page.getByRole('menuitem', { name: 'Delete' }).click()
    const confirm = page.getByRole('alertdialog', { name: `Delete the role “${name}”?` })
    await confirm.getByText('No member holds this role.').waitFor()
    await confirm.getByRole('button', { name: 'Delete role' }).click()
    await row.waitFor({ state: 'detached' })
  })

  story('opens a built-in role read-only', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'sarah@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/roles/technical`)
    const main = page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'Technical' }).waitFor()
    await main.getByText('Built-in roles are the same in every account and cannot be changed.').waitFor()
    const operate = main.getByRole('group', { name: 'Services' }).getByRole('checkbox', { name: 'Operate' })
    assert.equal(await operate.isChecked(), true)
    assert.equal(await operate.isDisabled(), true)
    assert.equal(await main.getByRole('button', { name: /Save|Delete/ }).count(), 0, 'nothing to save or delete')

    // In a new role, Sarah cannot grant what she does not hold herself (Billing).
    await main.getByRole('link', { name: 'Duplicate' }).click()
    await page.waitForURL(/\/roles\/new\?from=technical$/)
    const billing = main.getByRole('group', { name: 'Billing' }).getByRole('checkbox', { name: 'View' })
    assert.equal(await billing.isDisabled(), true)
    assert.match((await billing.locator('xpath=..').getAttribute('title')) ?? '', /You do not hold Billing: view/)
  })
})
