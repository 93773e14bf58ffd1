import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { BASE_URL, pathOf, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

const hostUrl = (sub: string) => BASE_URL.replace('//localhost', `//${sub}.localhost`)

describe('Creating resellers, and the platform’s own brand', () => {
  story('fills the limits from the chosen template, keeps an override, and offers “Invited · Resend” until the owner accepts', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'admin@nimbus.test')
    const nimbus = pathOf(page).split('/')[2]!
    await visit(page, `/a/${nimbus}/resellers/new`)
    await page.getByLabel('Reseller name').fill('Hooli Partners')
    await page.getByTestId('name-count').getByText('14/120').waitFor()
    await page.getByLabel('Owner email').fill('owner@hooli.test')
    await page.getByLabel('Owner name').fill('Gavin Belson')
    await page.getByLabel('Start from a template').selectOption({ label: 'Standard partner' })
    const maxCustomers = page.getByLabel('Max customers')
    assert.equal(await maxCustomers.inputValue(), '25', 'the template’s limit shows in the field')
    assert.equal(await page.getByLabel('Max server services').inputValue(), '20')
    await maxCustomers.fill('30')
    await screenshot(page, 'reseller-create-template-limits')
    await page.getByRole('button', { name: 'Create reseller' }).click()
    await page.getByRole('status', { name: 'Invitation sent to owner@hooli.test' }).waitFor()
    await visit(page, `/a/${nimbus}/resellers`)
    const row = page.locator('tr[data-account="Hooli Partners"]')
    assert.match(await row.innerText(), /Standard partner/)
    assert.match(await row.innerText(), /30 customers/, 'the override won over the template')
    assert.match(await row.innerText(), /Invited ·\s+Resend/)
    await row.getByRole('button', { name: 'Resend the owner invitation to owner@hooli.test' }).click()
    await page.getByRole('status').getByText('Invitation sent again to owner@hooli.test').waitFor()
    await screenshot(page, 'reseller-invited-resend')
    await context.close()
  })

  story('names the platform’s portal after the platform, and lets the platform turn “Powered by Trellis” off for a reseller', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const { context, page } = await open()
    await visit(page, '/login')
    assert.equal(await page.title(), 'Sign in · Nimbus Cloud')
    await signIn(page, 'admin@nimbus.test')
    const nimbus = pathOf(page).split('/')[2]!
    assert.match(await page.title(), / · Nimbus Cloud$/)
    await page.getByRole('complementary', { name: 'Sidebar' }).getByText('Nimbus Cloud').first().waitFor()

    const acme = (await (await page.request.get(`/api/v1/accounts/${nimbus}/resellers`)).json()) as { items: { id: string; name: string }[] }
    const acmeId = acme.items.find((r) => r.name === 'Acme Hosting')!.id
    const setPoweredBy = async (on: boolean) => {
      await visit(page, `/a/${nimbus}/resellers/${acmeId}`)
      const box = page.getByLabel(/Show “Powered by Trellis”/)
      if ((await box.isChecked()) !== on) await box.click()
      await page.getByRole('button', { name: 'Save changes' }).click()
      await page.waitForURL(`**/a/${nimbus}/resellers`)
    }
    await setPoweredBy(false)
    try {
      const acmePortal = await open({ baseURL: hostUrl('acme') })
      await visit(acmePortal.page, '/login')
      await acmePortal.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor()
      assert.equal(await acmePortal.page.getByText('Powered by Trellis').count(), 0, 'off for Acme')
      await screenshot(acmePortal.page, 'white-label-acme-no-powered-by')
      await acmePortal.context.close()
      const globexPortal = await open({ baseURL: hostUrl('globex') })
      await visit(globexPortal.page, '/login')
      // Globex's portal speaks French to visitors who have not chosen a language.
      await globexPortal.page.getByText('Propulsé par Trellis').waitFor()
      await globexPortal.context.close()
    } finally {
      await setPoweredBy(true)
      await context.close()
    }
  })
})
