import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { BASE_URL, pathOf, screenshot, signIn, story, visit } from './support.ts'

describe('Wording people can read', () => {
  story('counts characters on long fields and says “At most 200 characters.” instead of the validator’s words', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = pathOf(page).split('/')[2]!
    await visit(page, `/a/${acme}/services`)
    await page.getByRole('main').getByRole('button', { name: 'New service' }).click()
    const dialog = page.getByRole('dialog', { name: 'New service' })
    await dialog.getByTestId('service-name-count').getByText('0/200').waitFor()
    await dialog.getByLabel('Type').selectOption('server')
    await dialog.getByLabel('Name').fill('edge-01')
    await dialog.getByTestId('service-name-count').getByText('7/200').waitFor()
    // A browser that does not enforce maxlength sends 201 characters: the API's answer is in plain words.
    await dialog.getByLabel('Name').evaluate((input) => input.removeAttribute('maxlength'))
    await dialog.getByLabel('Name').fill('x'.repeat(201))
    await dialog.getByRole('button', { name: 'Create service' }).click()
    await dialog.getByText('At most 200 characters.').waitFor()
    assert.equal(await page.getByText(/Too big|expected string/).count(), 0)
    await screenshot(page, 'wording-too-long')
    await context.close()
  })

  story('tells a member whose access reaches no service so, without offering “New service”', async ({ open }) => {
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    const acme = pathOf(owner.page).split('/')[2]!
    const members = (await (await owner.page.request.get(`/api/v1/accounts/${acme}/members`)).json()) as { items: { id: string; user: { email: string }; scope: unknown }[] }
    const tom = members.items.find((m) => m.user.email === 'tom@acme.test')!
    const patch = (scope: unknown) => owner.page.request.patch(`/api/v1/accounts/${acme}/members/${tom.id}`, { data: { scope }, headers: { origin: BASE_URL } })
    assert.equal((await patch({ mode: 'tagged', tags: ['nothing-tagged-this'] })).status(), 200)
    try {
      const { context, page } = await open()
      await signIn(page, 'tom@acme.test')
      await visit(page, `/a/${acme}/services`)
      const main = page.getByRole('main')
      await main.getByRole('heading', { name: 'No services match your access' }).waitFor()
      assert.equal(await main.getByRole('button', { name: 'New service' }).count(), 0, 'no action the person cannot use')
      await screenshot(page, 'wording-scoped-empty')
      // The dashboard says so too, and never “home of Acme Hosting in …”.
      await visit(page, `/a/${acme}`)
      await main.getByText('No services match your access yet.').waitFor()
      assert.equal(await main.getByText(/home of/).count(), 0)
      await context.close()
    } finally {
      await patch(tom.scope)
      await owner.context.close()
    }
  })
})
