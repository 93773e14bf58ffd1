import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { pathOf, screenshot, signIn, story, visit } from './support.ts'

describe('Demo data and tags', () => {
  story('gives Acme a support person (Sarah) who can log in as any of Acme’s customers', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'sarah@acme.test')
    await visit(page, `/a/${pathOf(page).split('/')[2]}/customers`)
    for (const customer of ['Bluebird Bakery', 'Copperleaf Studio', 'Driftwood Dental']) {
      await page.getByRole('main').getByRole('button', { name: `Actions for ${customer}` }).click()
      await page.getByRole('menuitem', { name: 'Log in as owner' }).waitFor()
      await page.keyboard.press('Escape')
    }
    await context.close()
  })

  story('picks a suggested tag with the keyboard and confirms a tag nobody uses yet', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'owner@acme.test')
    await visit(page, `/a/${pathOf(page).split('/')[2]}/services`)
    await page.getByRole('main').getByRole('button', { name: 'New service' }).click()
    const dialog = page.getByRole('dialog', { name: 'New service' })
    const tags = dialog.getByRole('combobox', { name: 'Tags' })
    await tags.pressSequentially('man')
    const suggestion = dialog.getByRole('option', { name: 'managed' })
    await suggestion.waitFor()
    await screenshot(page, 'tags-suggestions')
    await tags.press('ArrowDown')
    assert.equal(await suggestion.getAttribute('aria-selected'), 'true')
    await tags.press('Enter')
    await dialog.getByRole('button', { name: 'Remove tag managed' }).waitFor()
    assert.equal(await tags.inputValue(), '', 'the typed prefix is not kept as a tag')
    assert.equal(await dialog.getByRole('button', { name: 'Remove tag man', exact: true }).count(), 0)

    await tags.pressSequentially('brand-new-tag')
    await tags.press('Enter')
    await dialog.getByText('“brand-new-tag” is not a tag in use yet. Add it as a new tag?').waitFor()
    assert.equal(await dialog.getByRole('button', { name: 'Remove tag brand-new-tag' }).count(), 0, 'not added silently')
    await screenshot(page, 'tags-confirm-new')
    await tags.press('Enter')
    await dialog.getByRole('button', { name: 'Remove tag brand-new-tag' }).waitFor()
    await context.close()
  })
})
