import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Page } from 'playwright-core'
import { pathOf, signIn, story, visit } from './support.ts'

// Every story checks the console (support.ts); these walk the places that used to log errors.

async function reachable(page: Page, name: string): Promise<string> {
  const body = (await (await page.request.get(`/api/v1/me/reachable-accounts?q=${encodeURIComponent(name)}`)).json()) as { items: { id: string; name: string }[] }
  return body.items.find((a) => a.name === name)!.id
}

/** WCAG contrast ratio of two CSS colours as the page computes them. */
function contrastOf(page: Page, selector: string) {
  return page.locator(selector).first().evaluate((el) => {
    const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).slice(0, 4).map(Number)
    const lum = ([r, g, b]: number[]) => {
      const f = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!)
    }
    // The badge's tinted background over the white page.
    const fg = rgb(getComputedStyle(el).color)
    const [br, bg, bb, ba = 1] = rgb(getComputedStyle(el).backgroundColor)
    const over = [br!, bg!, bb!].map((c) => c * ba + 255 * (1 - ba))
    const [a, b] = [lum(fg), lum(over)].sort((x, y) => y - x)
    return (a! + 0.05) / (b! + 0.05)
  })
}

describe('A clean console and accessible names', () => {
  story('opens an account reached through the reseller, the branding page and logs out without a console error', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = pathOf(page).split('/')[2]!
    // The login remembers an inherited account (no 404 from PUT /api/v1/me/last-account).
    const remembered = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/last-account') && r.request().method() === 'PUT')
    await visit(page, `/a/${await reachable(page, 'Bluebird Bakery')}`)
    assert.equal((await remembered).status(), 204)
    await visit(page, `/a/${acme}/branding`)
    await page.getByLabel('Primary colour picker').waitFor()
    // Logging out ends the live socket without errors.
    await page.getByRole('button', { name: /^User menu for Alex Moreno/ }).click()
    await page.getByRole('menuitem', { name: 'Log out' }).click()
    await page.waitForURL('**/login**')
    await page.waitForTimeout(1500)
    await context.close()
  })

  story('names the account switcher and the user menu with the text they show; status badges reach 4.5:1', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'admin@nimbus.test')
    const switcher = page.getByRole('banner').getByRole('button', { name: /switch account/ })
    const shown = (await switcher.innerText()).replace(/\s+/g, ' ').trim()
    const named = await switcher.evaluate((el) => (el.getAttribute('aria-label') ?? el.textContent ?? '').replace(/\s+/g, ' ').trim())
    assert.ok(named.replace(/[^\w·]+/g, ' ').includes(shown.replace(/[^\w·]+/g, ' ').trim()), `“${named}” contains “${shown}”`)
    const menu = page.getByRole('button', { name: /^User menu for Nora Lindqvist/ })
    const initials = (await menu.innerText()).trim()
    assert.ok((await menu.getAttribute('aria-label'))!.includes(initials), 'the user menu’s name contains its initials')
    // The platform's services include an expired one: its destructive badge, and the suspended one's warning badge.
    await visit(page, `/a/${pathOf(page).split('/')[2]}/services?status=expired`)
    assert.ok((await contrastOf(page, 'main table .text-destructive')) >= 4.5, 'the expired badge reaches 4.5:1')
    await visit(page, `/a/${pathOf(page).split('/')[2]}/services?status=suspended`)
    assert.ok((await contrastOf(page, 'main table .text-warning')) >= 4.5, 'the suspended badge reaches 4.5:1')
    await context.close()
  })
})
