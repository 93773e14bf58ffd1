import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Page } from 'playwright-core'
import { accountId, pageOverflow, screenshot, signIn, story, visit } from './support.ts'

// The stand-in of the operator's provisioning backend (test/helpers/provisioning-api.ts), started by run.mjs.
const BACKEND = process.env.E2E_PROVISIONING!
const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true }
const control = (path: string, body: unknown) => fetch(`${BACKEND}/_control${path}`, { method: 'POST', body: JSON.stringify(body) })

async function serviceByName(page: Page, account: string, name: string): Promise<string> {
  const res = await page.request.get(`/api/v1/accounts/${account}/services?q=${encodeURIComponent(name)}`)
  const { items } = (await res.json()) as { items: { id: string; name: string }[] }
  const found = items.find((s) => s.name === name)
  assert.ok(found, `service ${name}`)
  return found.id
}

describe('Server operations', () => {
  story('a customer restarts a server and sees the backend’s answer arrive live, then a failure with its reason', { timeout: 90_000 }, async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@evergreen.test')
    const evergreen = await accountId(page, 'Evergreen Legal')
    const sid = await serviceByName(page, evergreen, 'evergreen-files-01')
    await visit(page, `/a/${evergreen}/services/${sid}`)
    const main = page.getByRole('main')
    const card = main.getByTestId('server-actions')
    await card.getByRole('toolbar', { name: 'Server actions' }).waitFor()

    // The backend holds its answer until the story releases it.
    await control('/next', { serviceId: sid, outcomes: ['hold', 'fail'] })
    await card.getByRole('button', { name: 'Restart' }).click()
    const dialog = page.getByRole('dialog', { name: 'Restart evergreen-files-01?' })
    await dialog.getByRole('button', { name: 'Restart' }).click()
    await main.getByTestId('latest-action').getByText('is waiting for the provisioning backend').waitFor()
    assert.equal(await card.getByRole('button', { name: 'Stop' }).isDisabled(), true, 'other actions wait')
    await screenshot(page, 'server-action-pending')

    await control('/release', { serviceId: sid })
    // No reload: the account's live socket tells the page the backend answered.
    await card.getByRole('list', { name: 'Recent server actions' }).getByText('Done').first().waitFor()
    assert.equal(await main.getByTestId('latest-action').getByText('is waiting').count(), 0)
    await main.getByTestId('last-action').getByText('Restarted').waitFor()

    await card.getByRole('button', { name: 'Stop' }).click()
    await page.getByRole('dialog', { name: 'Stop evergreen-files-01?' }).getByRole('button', { name: 'Stop' }).click()
    await card.getByText('The host refused: disk quota exceeded.').waitFor()
    await card.getByText('Failed').first().waitFor()
    await screenshot(page, 'server-action-failed')

    // A reinstall erases the server: it asks for the name first.
    await card.getByRole('button', { name: 'Reinstall' }).click()
    const reinstall = page.getByRole('dialog', { name: 'Reinstall evergreen-files-01?' })
    const erase = reinstall.getByRole('button', { name: 'Erase and reinstall' })
    assert.equal(await erase.isDisabled(), true)
    await reinstall.getByLabel('Type evergreen-files-01 to confirm').fill('evergreen-files-01')
    assert.equal(await erase.isDisabled(), false)
    await reinstall.getByRole('button', { name: 'Cancel' }).click()

    const phone = await open(PHONE)
    await signIn(phone.page, 'owner@evergreen.test')
    await visit(phone.page, `/a/${evergreen}/services/${sid}`)
    await phone.page.getByRole('main').getByTestId('server-actions').waitFor()
    assert.equal(await pageOverflow(phone.page), 0, 'the service page fits 375 px')
    await screenshot(phone.page, 'server-actions-phone')
  })

  story('the customer adds a licence; its key stays hidden until asked for', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@evergreen.test')
    const evergreen = await accountId(page, 'Evergreen Legal')
    const sid = await serviceByName(page, evergreen, 'evergreen-files-01')
    await visit(page, `/a/${evergreen}/services/${sid}`)
    const licence = page.getByRole('main').getByTestId('licence')
    await licence.getByRole('button', { name: 'Add licence' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add a licence to evergreen-files-01' })
    await dialog.getByLabel('Product').fill('Windows Server Datacenter')
    await dialog.getByLabel('Seats').fill('16')
    await dialog.getByLabel('Licence key').fill('WSD-4242-EVERGREEN-0001')
    await dialog.getByRole('button', { name: 'Add licence' }).click()
    await licence.getByText('Windows Server Datacenter').waitFor()
    assert.equal(await page.getByText('WSD-4242-EVERGREEN-0001').count(), 0, 'the key is not on the page')
    assert.ok(!(await page.content()).includes('WSD-4242-EVERGREEN-0001'), 'nor in its data')
    await licence.getByRole('button', { name: 'Reveal key' }).click()
    await licence.getByTestId('licence-key').getByText('WSD-4242-EVERGREEN-0001').waitFor()
    await screenshot(page, 'licence-revealed')
    await licence.getByRole('button', { name: 'Hide' }).click()
    assert.equal(await page.getByText('WSD-4242-EVERGREEN-0001').count(), 0)

    const phone = await open(PHONE)
    await signIn(phone.page, 'owner@evergreen.test')
    await visit(phone.page, `/a/${evergreen}/services/${sid}`)
    const small = phone.page.getByRole('main').getByTestId('licence')
    await small.getByRole('button', { name: 'Reveal key' }).click()
    await small.getByTestId('licence-key').waitFor()
    assert.equal(await pageOverflow(phone.page), 0, 'fits 375 px with the key shown')
    await screenshot(phone.page, 'licence-phone')
  })

  story('the customer groups services: creates, fills, renames and deletes a group, the services staying', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@evergreen.test')
    const evergreen = await accountId(page, 'Evergreen Legal')
    const created = await page.request.post(`/api/v1/accounts/${evergreen}/services`, { data: { type: 'server', name: 'evergreen-archive-01' }, headers: { origin: new URL(page.url()).origin } })
    assert.equal(created.status(), 201)
    await visit(page, `/a/${evergreen}/services`)
    await page.getByRole('main').getByRole('link', { name: 'Groups' }).click()
    await page.waitForURL(/\/services\/groups$/)
    const main = page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'Service groups' }).waitFor()

    await main.getByRole('button', { name: 'New group' }).click()
    const create = page.getByRole('dialog', { name: 'New service group' })
    await create.getByLabel('Name').fill('Production')
    await create.getByRole('button', { name: 'Create group' }).click()
    await create.getByText('already has a group with that name').waitFor()
    await create.getByLabel('Name').fill('Archive')
    await create.getByRole('button', { name: 'Create group' }).click()
    const groups = main.getByRole('list', { name: 'Service groups' })
    await groups.getByRole('link', { name: 'Archive' }).waitFor()

    await main.getByRole('button', { name: 'Assign services to Archive' }).click()
    const assign = page.getByRole('dialog', { name: 'Services in Archive' })
    await assign.getByRole('checkbox', { name: /evergreen-archive-01/ }).check()
    await assign.getByRole('button', { name: 'Save' }).click()
    await groups.getByRole('listitem').filter({ hasText: 'Archive' }).getByText('1 service', { exact: true }).waitFor()
    await screenshot(page, 'service-groups')

    await main.getByRole('button', { name: 'Rename Archive' }).click()
    const rename = page.getByRole('dialog', { name: 'Rename Archive' })
    await rename.getByLabel('Name').fill('Cold storage')
    await rename.getByRole('button', { name: 'Rename' }).click()
    await groups.getByRole('link', { name: 'Cold storage' }).waitFor()

    await main.getByRole('button', { name: 'Delete Cold storage' }).click()
    const confirm = page.getByRole('alertdialog', { name: 'Delete the group Cold storage?' })
    await confirm.getByText('stay, without a group').waitFor()
    await confirm.getByRole('button', { name: 'Delete group' }).click()
    await groups.getByRole('link', { name: 'Cold storage' }).waitFor({ state: 'detached' })
    // The service is still there.
    await visit(page, `/a/${evergreen}/services?q=evergreen-archive-01`)
    await page.getByRole('main').getByRole('link', { name: 'evergreen-archive-01' }).first().waitFor()

    const phone = await open(PHONE)
    await signIn(phone.page, 'owner@evergreen.test')
    await visit(phone.page, `/a/${evergreen}/services/groups`)
    await phone.page.getByRole('main').getByRole('list', { name: 'Service groups' }).waitFor()
    assert.equal(await pageOverflow(phone.page), 0, 'the groups page fits 375 px')
    await screenshot(phone.page, 'service-groups-phone')
  })
})
