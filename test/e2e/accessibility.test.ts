import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe } from 'node:test'
import type { AxeResults } from 'axe-core'
import type { Page } from 'playwright-core'
import { accountId, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

/** axe-core's own build, from node_modules: injected into each page as it is. */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** Every main page of each tier, as its own people see it (account-relative, except `~` paths), and what they search for. */
const TOURS: { who: string; account: string; tier: string; search: string; pages: [string, string][] }[] = [
  {
    who: 'admin@nimbus.test',
    account: 'Nimbus Cloud',
    tier: 'platform',
    search: 'acme',
    pages: [
      ['dashboard', ''],
      ['services', '/services'],
      ['resellers', '/resellers'],
      ['customers', '/customers'],
      ['staff', '/staff'],
      ['roles', '/roles'],
      ['activity', '/activity'],
      ['branding', '/branding'],
      ['security', '/security'],
      ['profile', '~/profile'],
    ],
  },
  {
    who: 'owner@acme.test',
    account: 'Acme Hosting',
    tier: 'reseller',
    search: 'copper',
    pages: [
      ['dashboard', ''],
      ['services', '/services'],
      ['customers', '/customers'],
      ['staff', '/staff'],
      ['roles', '/roles'],
      ['activity', '/activity'],
      ['branding', '/branding'],
      ['security', '/security'],
      ['profile', '~/profile'],
    ],
  },
  {
    who: 'owner@driftwood.test',
    account: 'Driftwood Dental',
    tier: 'customer',
    search: 'drift',
    pages: [
      ['dashboard', ''],
      ['services', '/services'],
      ['staff', '/staff'],
      ['roles', '/roles'],
      ['activity', '/activity'],
      ['security', '/security'],
      ['profile', '~/profile'],
    ],
  },
]

/** The serious and critical findings of axe on the page as it is now, one line each. */
async function seriousIssues(page: Page, where: string): Promise<string[]> {
  await page.addScriptTag({ content: AXE })
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }).axe
    // A control's accessible name must contain its visible text (speech users say what they see): off by default in axe.
    const result = await axe.run(document, { resultTypes: ['violations'], rules: { 'label-content-name-mismatch': { enabled: true } } })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`.replace(/\s+/g, ' ')) }))
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.impact} ${v.id} (${v.help})\n    ${v.nodes.slice(0, 4).join('\n    ')}`)
}

describe('Accessibility of every main page, at 1280 px', () => {
  for (const t of TOURS) {
    story(`axe finds nothing serious on the ${t.tier}'s pages as ${t.who} sees them`, { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
      // The portal's CSP admits only its own scripts; axe is the test's, not the page's.
      const { page } = await open({ bypassCSP: true })
      await signIn(page, t.who)
      const id = await accountId(page, t.account)
      const found: string[] = []
      for (const [name, path] of t.pages) {
        const response = await visit(page, path.startsWith('~') ? path.slice(1) : `/a/${id}${path}`)
        assert.equal(response?.status(), 200, `${t.tier} ${name} opens`)
        await page.getByRole('heading', { level: 1 }).first().waitFor()
        found.push(...(await seriousIssues(page, `${t.tier} ${name}`)))
      }
      // Search is the top bar's palette (Ctrl+K), checked open with its matches.
      await visit(page, `/a/${id}`)
      await page.keyboard.press('Control+K')
      const palette = page.getByRole('dialog', { name: /^Search / })
      await palette.getByRole('combobox', { name: 'Search' }).fill(t.search)
      await palette.getByRole('option').first().waitFor()
      found.push(...(await seriousIssues(page, `${t.tier} search`)))
      assert.deepEqual(found, [], `axe found serious issues:\n${found.join('\n')}`)
    })
  }

  story('axe finds nothing serious on the sign-in page', async ({ open }) => {
    const { page } = await open({ bypassCSP: true })
    await visit(page, '/login')
    await page.getByRole('heading', { level: 1 }).first().waitFor()
    assert.deepEqual(await seriousIssues(page, 'login'), [])
  })
})
