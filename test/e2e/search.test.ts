import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { pathOf, screenshot, signIn, story, visit } from './support.ts'

describe('Finding things at scale', () => {
  story('finds people and services of the tree with Ctrl+K and opens them with the keyboard; breadcrumbs lead back up', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = pathOf(page).split('/')[2]!
    await page.keyboard.press('Control+K')
    // Named after the account shown: the tree it searches.
    const palette = page.getByRole('dialog', { name: /^Search / })
    await palette.waitFor()
    await palette.getByRole('combobox', { name: 'Search' }).fill('dana')
    await palette.getByRole('option', { name: /Dana Whitfield/ }).waitFor()
    await screenshot(page, 'search-people')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/a\/[^/]+\/staff$/)
    await page.locator('tr[data-member="owner@driftwood.test"]').waitFor()
    const driftwood = pathOf(page).split('/')[2]!
    assert.notEqual(driftwood, acme)
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' })
    assert.deepEqual((await crumbs.getByRole('listitem').allInnerTexts()).map((t) => t.trim()), ['Acme Hosting', 'Driftwood Dental', 'Staff'])
    await crumbs.getByRole('link', { name: 'Acme Hosting' }).click()
    await page.waitForURL(`**/a/${acme}`)

    // Services: the second match, chosen with the arrow keys.
    await page.keyboard.press('Control+K')
    await palette.getByRole('combobox', { name: 'Search' }).fill('copperleaf-render')
    await palette.getByRole('option', { name: /copperleaf-render-02/ }).waitFor()
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/services\/svc_[a-z0-9]+$/)
    await page.getByRole('main').getByRole('heading', { level: 1, name: 'copperleaf-render-02' }).waitFor()
    await crumbs.getByRole('link', { name: 'Services' }).waitFor()
    await crumbs.getByRole('link', { name: 'Copperleaf Studio' }).click()
    await page.waitForURL(/\/a\/[^/]+$/)
    await page.getByRole('main').getByRole('heading', { level: 1, name: 'Copperleaf Studio' }).waitFor()
    await crumbs.getByRole('link', { name: 'Acme Hosting' }).click()
    await page.waitForURL(`**/a/${acme}`)

    // Nothing outside the tree.
    await page.keyboard.press('Control+K')
    await palette.getByRole('combobox', { name: 'Search' }).fill('evergreen')
    await palette.getByText('Nothing you can see matches “evergreen”.').waitFor()
    await page.keyboard.press('Escape')
    await context.close()
  })

  story('lists the accounts reached through the reseller in the account switcher', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'owner@acme.test')
    await page.getByRole('button', { name: /switch account/i }).click()
    const bluebird = page.getByRole('option', { name: /Bluebird Bakery/ })
    await bluebird.waitFor()
    assert.match(await bluebird.innerText(), /Owner · inherited/)
    await screenshot(page, 'switcher-inherited')
    await bluebird.click()
    await page.getByRole('main').getByRole('heading', { level: 1, name: 'Bluebird Bakery' }).waitFor()
    await context.close()
  })

  story('sorts and searches Customers, Resellers and Staff', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'admin@nimbus.test')
    const nimbus = pathOf(page).split('/')[2]!
    await visit(page, `/a/${nimbus}/resellers`)
    const main = page.getByRole('main')
    const names = () => main.locator('tr[data-account]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-account')))
    // (Other stories may have added resellers: the order is what counts.)
    const ascending = (await names()).toSorted((a, b) => a!.localeCompare(b!))
    await main.getByRole('button', { name: 'Name' }).click()
    assert.deepEqual(await names(), ascending)
    await main.getByRole('button', { name: 'Name' }).click()
    assert.deepEqual(await names(), ascending.toReversed(), 'a second click sorts the other way')
    await main.getByRole('searchbox', { name: 'Search resellers' }).fill('glo')
    assert.deepEqual(await names(), ['Globex Partners'])

    await context.close()

    const acme = await open()
    await signIn(acme.page, 'owner@acme.test')
    const acmeId = pathOf(acme.page).split('/')[2]!
    await visit(acme.page, `/a/${acmeId}/customers`)
    const list = acme.page.getByRole('main')
    await list.getByRole('searchbox', { name: 'Search customers' }).fill('cop')
    // (Rows of the "Deleted — restorable" section are not the list being searched.)
    const shown = await list.locator('tr[data-account]').evaluateAll((rows) => rows.filter((r) => !r.closest('[aria-labelledby="deleted-customers"]')).map((r) => r.getAttribute('data-account')))
    assert.deepEqual(shown, ['Copperleaf Studio'])
    // One match among all of Acme's customers (earlier stories may have added some).
    await list.getByText(/^1 of \d+$/).waitFor()
    await screenshot(acme.page, 'customers-search')

    await visit(acme.page, `/a/${acmeId}/staff`)
    await list.getByRole('searchbox', { name: 'Search members' }).fill('technical')
    const members = await list.locator('tr[data-member]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-member')))
    // The demo's Technical people (earlier stories may have invited more).
    const demo = ['sarah@acme.test', 'tess@acme.test', 'tom@acme.test']
    const ofDemo = (emails: (string | null)[]) => emails.filter((e): e is string => demo.includes(e ?? ''))
    assert.deepEqual(ofDemo(members).sort(), demo)
    await list.getByRole('button', { name: 'Member', exact: true }).click()
    await list.getByRole('button', { name: 'Member', exact: true }).click()
    assert.deepEqual(ofDemo(await list.locator('tr[data-member]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-member')))), ['tom@acme.test', 'tess@acme.test', 'sarah@acme.test'])
    await acme.context.close()
  })
})
