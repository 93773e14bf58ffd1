import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { myAccounts, screenshot, signIn, story } from './support.ts'

describe('Another tenant’s account', () => {
  story('is “not found” for a member of Acme who opens Globex’s address', async ({ open }) => {
    // Guards against cross-tenant access: a sibling reseller's id must look like no account at all.
    const globex = await open()
    await signIn(globex.page, 'owner@globex.test')
    const globexId = (await myAccounts(globex.page)).find((a) => a.name === 'Globex Partners')?.id
    assert.ok(globexId, 'Globex Partners has an id')
    await globex.context.close()

    const { page } = await open()
    await signIn(page, 'tom@acme.test')
    const response = await page.goto(`/a/${globexId}`)
    assert.equal(response?.status(), 404)
    await page.getByRole('heading', { level: 1, name: 'Account not found' }).waitFor()
    assert.equal(await page.getByText('Globex Partners').count(), 0, 'nothing about Globex is shown')
    await screenshot(page, 'not-found')

    await page.getByRole('link', { name: 'Go to my accounts' }).click()
    await page.getByRole('main').getByRole('heading', { level: 1, name: 'Acme Hosting' }).waitFor()
  })
})
