import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Locator } from 'playwright-core'
import { pageOverflow, pathOf, screenshot, signIn, story, visit } from './support.ts'

const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true }

/** True when the element lies wholly inside the 375 px screen. */
async function onScreen(locator: Locator) {
  const box = await locator.boundingBox()
  return Boolean(box && box.x >= 0 && box.x + box.width <= 375)
}

describe('Phones: tables that do not fit become cards', () => {
  story('shows the platform’s resellers as cards with Disable and Delete on screen', async ({ open }) => {
    const { context, page } = await open(PHONE)
    await signIn(page, 'admin@nimbus.test')
    await visit(page, `/a/${pathOf(page).split('/')[2]}/resellers`)
    const main = page.getByRole('main')
    assert.equal(await main.locator('table').isVisible(), false, 'no table on a phone')
    const acme = main.getByRole('list', { name: 'resellers' }).locator('li', { hasText: 'Acme Hosting' })
    await acme.waitFor()
    for (const name of ['Disable Acme Hosting', 'Delete Acme Hosting', 'Edit Acme Hosting']) assert.ok(await onScreen(acme.getByRole('button', { name }).or(acme.getByRole('link', { name }))), `${name} is on screen`)
    assert.match(await acme.innerText(), /owner@acme\.test/)
    assert.equal(await pageOverflow(page), 0)
    await screenshot(page, 'phone-resellers')
    await context.close()
  })

  story('shows Acme’s staff as cards with their roles and scope on screen', async ({ open }) => {
    const { context, page } = await open(PHONE)
    await signIn(page, 'owner@acme.test')
    await visit(page, `/a/${pathOf(page).split('/')[2]}/staff`)
    const tom = page.locator('[data-member-card="tom@acme.test"]')
    await tom.waitFor()
    for (const text of ['Technical', 'Tagged: managed']) assert.ok(await onScreen(tom.getByText(text, { exact: true })), `${text} is on screen`)
    const sarah = page.locator('[data-member-card="sarah@acme.test"]')
    for (const role of ['Manager', 'Customer care']) assert.ok(await onScreen(sarah.getByText(role, { exact: true })), `${role} is on screen`)
    assert.equal(await pageOverflow(page), 0)
    await screenshot(page, 'phone-staff')
    await context.close()
  })

  story('shows the customers and services of a reseller without anything wider than the screen', async ({ open }) => {
    const { context, page } = await open(PHONE)
    await signIn(page, 'owner@acme.test')
    const acme = pathOf(page).split('/')[2]!
    for (const path of ['customers', 'services']) {
      await visit(page, `/a/${acme}/${path}`)
      await page.getByRole('main').getByRole('heading', { level: 1 }).waitFor()
      assert.equal(await pageOverflow(page), 0, `${path} fits 375 px`)
      await screenshot(page, `phone-${path}`)
    }
    await context.close()
  })
})
