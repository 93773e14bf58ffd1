import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { myAccounts, pathOf, screenshot, signIn, story } from './support.ts'

describe('Switching accounts', () => {
  story('lets Sam, who belongs to two customers, search for the other account and land on its dashboard', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'sam@freelance.test')
    const accounts = await myAccounts(page)
    assert.deepEqual(accounts.map((a) => a.name).sort(), ['Bluebird Bakery', 'Evergreen Legal'])

    const here = accounts.find((a) => pathOf(page) === `/a/${a.id}`)
    assert.ok(here, 'Sam starts on one of their accounts')
    const other = accounts.find((a) => a !== here)!
    await page.getByRole('main').getByRole('heading', { level: 1, name: here.name }).waitFor()

    await page.getByRole('button', { name: /switch account/i }).click()
    const search = page.getByPlaceholder('Search accounts…')
    await search.waitFor()
    // Both accounts are offered, each under its reseller, with Sam's role.
    await page.getByRole('option', { name: /Bluebird Bakery/ }).waitFor()
    await page.getByRole('option', { name: /Evergreen Legal/ }).waitFor()
    await screenshot(page, 'account-switcher')

    await search.fill(other.name.slice(0, 4))
    await page.getByRole('option', { name: new RegExp(here.name) }).waitFor({ state: 'detached' })
    // The dashboard tells the login which account it shows (in the background); wait until it has.
    const remembered = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/last-account') && r.request().method() === 'PUT' && r.request().postData()?.includes(other.id) === true)
    await page.getByRole('option', { name: new RegExp(other.name) }).click()

    await page.waitForURL(`**/a/${other.id}`)
    await page.getByRole('main').getByRole('heading', { level: 1, name: other.name }).waitFor()
    assert.equal(await page.title(), `Dashboard · ${other.name} · Nimbus Cloud`)

    // `/` now remembers the account Sam switched to.
    assert.equal((await remembered).status(), 204)
    await page.goto('/')
    await page.waitForURL(`**/a/${other.id}`)
  })
})
