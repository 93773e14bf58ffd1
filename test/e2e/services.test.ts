import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Page } from 'playwright-core'
import { accountId, BASE_URL, hydrated, menuLabels, pageOverflow, pathOf, screenshot, signIn, story, visit } from './support.ts'

/** The service names the services table shows, in order. */
async function serviceNames(page: Page): Promise<string[]> {
  return (await page.getByRole('main').locator('table a[data-row]').allInnerTexts()).map((t) => t.trim())
}

describe('The Services pages', () => {
  story('show Tom, a Technical user scoped to “managed”, only his sections and only the managed services', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'tom@acme.test')
    assert.deepEqual(await menuLabels(page), ['Dashboard', 'Services', 'Support', 'Notifications'])

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services' }).click()
    await page.waitForURL(/\/services$/)
    const main = page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'Services' }).waitFor()
    assert.deepEqual(await serviceNames(page), ['acme-control-01', 'acmehosting.example'])
    // Both are Acme's own: no Customer column.
    assert.equal(await main.getByRole('columnheader', { name: 'Customer' }).count(), 0)

    // The buttons follow the actions the menu gives Tom here.
    const acme = await accountId(page, 'Acme Hosting')
    const menu = (await (await page.request.get(`/api/v1/accounts/${acme}/menu`)).json()) as { items: { key: string; actions: string[] }[] }
    const manage = menu.items.find((i) => i.key === 'services')?.actions.includes('manage') ?? false
    assert.equal(await main.getByRole('button', { name: 'New service' }).count(), manage ? 1 : 0)
    assert.equal(await page.getByRole('link', { name: 'Staff' }).count(), 0)
    assert.equal(await page.getByRole('link', { name: 'Roles' }).count(), 0)
  })

  story('filter the owner’s list through the address, so a filtered list can be shared', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/services`)
    const main = page.getByRole('main')
    await main.getByRole('columnheader', { name: 'Customer' }).waitFor()
    const all = await serviceNames(page)
    assert.ok(all.length >= 20, `the reseller sees its customers' services too (got ${all.length})`)
    await screenshot(page, 'services')

    await page.getByLabel('Type').selectOption('server')
    await page.waitForURL(/[?&]type=server/)
    await page.getByLabel('Expiring within 30 days').check()
    await page.waitForURL(/expiring=30/)
    await page.waitForFunction(() => document.querySelectorAll('main table a[data-row]').length === 2)
    assert.deepEqual((await serviceNames(page)).sort(), ['bluebird-pos-01', 'copperleaf-render-01'])

    // The same address in a fresh page shows the same list.
    const shared = page.url()
    const other = await context.newPage()
    await visit(other, shared)
    assert.deepEqual((await serviceNames(other)).sort(), ['bluebird-pos-01', 'copperleaf-render-01'])
    assert.equal(await other.getByLabel('Type').inputValue(), 'server')
    await other.close()

    await page.getByLabel('Search services by name').fill('no-such-service')
    await main.getByRole('heading', { name: 'No services match these filters' }).waitFor()
    await main.getByRole('link', { name: 'Clear filters' }).last().click()
    await page.waitForURL(`**/a/${acme}/services`)
    await page.waitForFunction((n) => document.querySelectorAll('main table a[data-row]').length === n, all.length)
  })

  story('filter without JavaScript too: the filters are a plain GET form', async ({ open }) => {
    const { page } = await open({ javaScriptEnabled: false })
    await page.goto('/login')
    await page.getByLabel('Email').fill('owner@acme.test')
    await page.getByLabel('Password').fill('trellis-demo')
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForURL(/\/a\/[^/]+$/)
    await page.goto(`${pathOf(page)}/services`)
    await page.getByLabel('Type').selectOption('mailbox')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.waitForURL(/type=mailbox/)
    const names = await serviceNames(page)
    assert.equal(names.length, 3)
    assert.ok(names.every((n) => n.startsWith('hello@')), `only mailboxes (got ${names.join(', ')})`)
  })

  story('load the next 50 services in place, still under the filters in the address', { timeout: 120_000 }, async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@globex.test')
    const globex = await accountId(page, 'Globex Partners')
    const made: string[] = []
    try {
      // More than a page (50) of domains named alike, and Globex's other services besides.
      for (let i = 1; i <= 53; i++) {
        const answer = await page.request.post(`/api/v1/accounts/${globex}/services`, {
          headers: { origin: BASE_URL },
          data: { type: 'domain', name: `paged-${String(i).padStart(2, '0')}.example` },
        })
        assert.equal(answer.status(), 201, await answer.text())
        made.push(((await answer.json()) as { service: { id: string } }).service.id)
      }
      await visit(page, `/a/${globex}/services?q=paged-&type=domain`)
      const main = page.getByRole('main')
      await page.waitForFunction(() => document.querySelectorAll('main table a[data-row]').length === 50)
      await hydrated(page)
      await main.getByRole('link', { name: 'Load more' }).click()
      await page.waitForFunction(() => document.querySelectorAll('main table a[data-row]').length === 53)
      const names = await serviceNames(page)
      assert.equal(new Set(names).size, 53, 'no service is listed twice')
      assert.ok(names.every((n) => n.startsWith('paged-')), `the next page kept the filters: ${names.filter((n) => !n.startsWith('paged-')).join(', ')}`)
      const address = new URL(page.url())
      assert.equal(address.pathname + address.search, `/a/${globex}/services?q=paged-&type=domain`, 'the rows came in place, not by leaving the page')
    } finally {
      for (const id of made) await page.request.delete(`/api/v1/accounts/${globex}/services/${id}`, { headers: { origin: BASE_URL } })
    }
  })

  story('let the owner create a service in a dialog, then edit, rename and delete it', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/services`)
    const main = page.getByRole('main')

    // Keyboard only: the dialog opens from the button, Escape closes it and focus goes back.
    const create = main.getByRole('button', { name: 'New service' })
    await create.focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'New service' })
    await dialog.waitFor()
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    assert.equal(await create.evaluate((el) => el === document.activeElement), true, 'focus returns to New service')

    await create.click()
    await dialog.getByRole('button', { name: 'Create service' }).click()
    await dialog.getByText('Choose a type.').waitFor()
    await dialog.getByLabel('Type').selectOption('server')
    const name = `acme-edge-${Date.now().toString(36)}`
    await dialog.getByLabel('Name').fill(name)
    await dialog.getByLabel('Expires on').fill('2030-01-15')
    await dialog.getByLabel('Group').selectOption({ label: 'Infrastructure' })
    await dialog.getByLabel('Tags', { exact: true }).fill('edge, managed')
    await dialog.getByRole('button', { name: 'Create service' }).click()

    // The new service opens on its own page.
    await page.waitForURL(/\/services\/svc_[a-z0-9]+$/)
    await main.getByRole('heading', { level: 1, name }).waitFor()
    await page.getByRole('status').getByText(`${name} created`).waitFor()
    assert.match(await main.getByText('Jan 15, 2030').innerText(), /Jan 15, 2030/)

    await main.getByRole('button', { name: 'Edit' }).click()
    const edit = page.getByRole('dialog', { name: `Edit ${name}` })
    assert.equal(await edit.getByLabel('Group').inputValue() !== '', true, 'the dialog starts from the saved service')
    await edit.getByLabel('Status').selectOption('suspended')
    await edit.getByRole('button', { name: 'Save changes' }).click()
    await edit.waitFor({ state: 'hidden' })
    await main.getByText('Suspended').waitFor()

    await main.getByRole('button', { name: 'Rename' }).click()
    const rename = page.getByRole('dialog', { name: `Rename ${name}` })
    await rename.getByLabel('New name').fill(`${name}-b`)
    await rename.getByRole('button', { name: 'Rename' }).click()
    await main.getByRole('heading', { level: 1, name: `${name}-b` }).waitFor()
    await main.getByTestId('last-action').getByText('Renamed just now').waitFor()

    await main.getByRole('button', { name: 'Delete' }).click()
    const confirm = page.getByRole('alertdialog', { name: `Delete ${name}-b?` })
    await confirm.getByRole('button', { name: 'Delete service' }).click()
    await page.waitForURL(`**/a/${acme}/services`)
    await page.getByRole('status').getByText(`${name}-b deleted`).waitFor()
    assert.equal(await main.getByRole('link', { name: `${name}-b` }).count(), 0)
  })

  story('ask Bluebird’s consent before Acme’s Sarah may restart its backup server', async ({ open }) => {
    // Bea, Bluebird's owner, finds the server in her own list.
    const bea = await open()
    await signIn(bea.page, 'owner@bluebird.test')
    const bluebird = await accountId(bea.page, 'Bluebird Bakery')
    await visit(bea.page, `/a/${bluebird}/services`)
    await bea.page.getByRole('main').locator('table').getByRole('link', { name: 'bluebird-backup-01' }).click()
    await bea.page.waitForURL(/\/services\/svc_[a-z0-9]+$/)
    const servicePath = pathOf(bea.page)

    // Sarah (Acme admin, Technical) sees it, but may not operate it.
    const sarah = await open()
    await signIn(sarah.page, 'sarah@acme.test')
    await visit(sarah.page, servicePath)
    const main = sarah.page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'bluebird-backup-01' }).waitFor()
    await main.getByText('Bluebird Bakery has not granted you access to operate this service').waitFor()
    assert.equal(await main.getByRole('button', { name: 'Restart' }).count(), 0, 'no Restart without consent')
    assert.equal(await main.getByRole('switch').count(), 0, 'the partner cannot grant itself access')
    await screenshot(sarah.page, 'service-consent')

    // Bea turns partner access on.
    const toggle = bea.page.getByRole('switch', { name: 'Let Acme Hosting operate this service' })
    assert.equal(await toggle.getAttribute('aria-checked'), 'false')
    await toggle.click()
    await bea.page.getByRole('status').getByText('Partner access turned on').waitFor()
    // The switch follows the saved state once the page's data is refreshed (the toast may come first).
    await bea.page.getByRole('switch', { name: 'Let Acme Hosting operate this service', checked: true }).waitFor()

    // Sarah reloads: the notice is gone and she can restart, after confirming.
    await sarah.page.reload()
    await hydrated(sarah.page)
    await main.getByRole('heading', { level: 1, name: 'bluebird-backup-01' }).waitFor()
    assert.equal(await main.getByText('has not granted you access').count(), 0)
    assert.equal((await main.getByTestId('last-action').innerText()).trim(), 'None yet')
    await main.getByRole('button', { name: 'Restart' }).click()
    const confirm = sarah.page.getByRole('dialog', { name: 'Restart bluebird-backup-01?' })
    await confirm.getByRole('button', { name: 'Restart' }).click()
    await confirm.waitFor({ state: 'hidden' })
    await sarah.page.getByRole('status').getByText('Restart sent to the provisioning backend').waitFor()
    // The backend's answer arrives on the live socket and the page follows.
    await main.getByTestId('last-action').getByText(/^Restarted just now$/).waitFor()
    await screenshot(sarah.page, 'service-detail')
    await sarah.context.close()

    // Bea withdraws the access again.
    await toggle.click()
    await bea.page.getByRole('status').getByText('Partner access turned off').waitFor()
    await bea.page.getByRole('switch', { name: 'Let Acme Hosting operate this service', checked: false }).waitFor()
  })

  story('fit a 375 px screen as cards', async ({ open }) => {
    const { page } = await open({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/services`)
    const main = page.getByRole('main')
    await main.getByRole('link', { name: 'bluebird-backup-01' }).waitFor()
    assert.equal(await pageOverflow(page), 0, 'nothing is wider than the screen')
    await screenshot(page, 'services-375')

    await main.getByRole('link', { name: 'bluebird-backup-01' }).click()
    await main.getByRole('heading', { level: 1, name: 'bluebird-backup-01' }).waitFor()
    assert.equal(await pageOverflow(page), 0, 'the detail page fits too')
    await screenshot(page, 'service-detail-375')
  })
})
