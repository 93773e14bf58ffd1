import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Page } from 'playwright-core'
import { accountId, pageOverflow, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

/** Every main page of each tier, as its own people see it. */
const TOURS: { who: string; account: string; tier: string; pages: [string, string][] }[] = [
  {
    who: 'admin@nimbus.test',
    account: 'Nimbus Cloud',
    tier: 'platform',
    pages: [
      ['dashboard', ''],
      ['resellers', '/resellers'],
      ['reseller-new', '/resellers/new'],
      ['templates', '/resellers/templates'],
      ['staff', '/staff'],
      ['roles', '/roles'],
      ['activity', '/activity'],
      ['branding', '/branding'],
    ],
  },
  {
    who: 'owner@acme.test',
    account: 'Acme Hosting',
    tier: 'reseller',
    pages: [
      ['dashboard', ''],
      ['services', '/services'],
      ['customers', '/customers'],
      ['staff', '/staff'],
      ['roles', '/roles'],
      ['activity', '/activity'],
      ['branding', '/branding'],
      ['domains', '/branding/domains'],
    ],
  },
  {
    who: 'owner@driftwood.test',
    account: 'Driftwood Dental',
    tier: 'customer',
    pages: [
      ['dashboard', ''],
      ['services', '/services'],
      ['staff', '/staff'],
      ['roles', '/roles'],
      ['activity', '/activity'],
    ],
  },
]

const WIDTHS = [
  { width: 1280, height: 800, suffix: '1280' },
  { width: 375, height: 812, suffix: '375' },
]

async function tour(page: Page, t: (typeof TOURS)[number], suffix: string) {
  const id = await accountId(page, t.account)
  // Every section of this person's menu has a working page (the menu is theirs, from the API).
  const menu = (await (await page.request.get(`/api/v1/accounts/${id}/menu`)).json()) as { items: { key: string; path: string }[] }
  const toured = new Set(t.pages.map(([, path]) => path))
  const sections = menu.items.filter((m) => !toured.has(m.path ? `/${m.path}` : '')).map((m): [string, string] => [m.key, `/${m.path}`])
  assert.ok(menu.items.length >= 10, `${t.tier}: the menu lists the owner's sections`)
  for (const [name, path] of [...t.pages, ...sections]) {
    const response = await visit(page, `/a/${id}${path}`)
    assert.equal(response?.status(), 200, `${t.tier} ${name} opens`)
    await page.getByRole('main').getByRole('heading', { level: 1 }).first().waitFor()
    assert.equal(await pageOverflow(page), 0, `${t.tier} ${name} fits ${suffix} px`)
    await screenshot(page, `page-${t.tier}-${name}-${suffix}`)
  }
}

describe('Every main page, at 1280 and 375 px', () => {
  for (const t of TOURS) {
    for (const size of WIDTHS) {
      story(`shows the ${t.tier}'s pages to ${t.who} at ${size.suffix} px without anything wider than the screen`, { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
        const phone = size.width < 640
        const { context, page } = await open({ viewport: { width: size.width, height: size.height }, ...(phone ? { isMobile: true, hasTouch: true } : {}) })
        await signIn(page, t.who)
        await tour(page, t, size.suffix)
        await context.close()
      })
    }
  }
})
