import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Page } from 'playwright-core'
import { accountId, BASE_URL, englishLeft, hydrated, inFrench, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

const TOURS = [
  { who: 'admin@nimbus.test', account: 'Nimbus Cloud', tier: 'platform' },
  { who: 'owner@acme.test', account: 'Acme Hosting', tier: 'reseller' },
  { who: 'owner@driftwood.test', account: 'Driftwood Dental', tier: 'customer' },
]

const GLOBEX_URL = BASE_URL.replace('//localhost', '//globex.localhost')
const lang = (page: Page) => page.locator('html').getAttribute('lang')

describe('Choosing the language', () => {
  story('Globex’s portal speaks French to a visitor who has not chosen, and English once they choose it', async ({ open }) => {
    const { page } = await open({ locale: 'en-GB' })
    await visit(page, `${GLOBEX_URL}/login`)
    assert.equal(await lang(page), 'fr', 'the portal’s default language wins over the browser’s')
    assert.deepEqual(await englishLeft(page), [])
    await screenshot(page, 'language-globex-login-fr')
    await page.getByRole('combobox', { name: 'Langue' }).selectOption('en')
    await page.waitForFunction(() => document.documentElement.lang === 'en')
    await hydrated(page)
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor()
    await screenshot(page, 'language-globex-login-en')
  })

  story('a person’s language follows them to every browser they sign in from', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'billie@acme.test')
    // (`documentElement?.`: between two documents of a navigation there is none.)
    const inLang = (p: typeof page, l: string) => p.waitForFunction((want) => document.documentElement?.lang === want, l)
    try {
      assert.equal(await lang(page), 'en')
      await visit(page, '/profile')
      await page.getByRole('combobox', { name: 'Language' }).selectOption('fr')
      await inLang(page, 'fr')
      await hydrated(page)
      await page.getByRole('heading', { name: 'Langue' }).waitFor()
      await screenshot(page, 'language-profile-fr')
      // Another browser: the sign-in page follows the browser, the portal then follows Billie.
      const other = await open({ locale: 'en-GB' })
      await signIn(other.page, 'billie@acme.test')
      await inLang(other.page, 'fr')
      assert.equal(await lang(other.page), 'fr')
      // Back to the portal's default, as a person does it.
      await visit(page, '/profile')
      await page.getByRole('combobox', { name: 'Langue' }).selectOption('auto')
      await inLang(page, 'en')
    } finally {
      // Whatever happened above, Billie's saved choice is forgotten: later stories sign in as her in English.
      await page.request.post(`${BASE_URL}/language`, { form: { locale: 'auto', redirectTo: '/' }, headers: { origin: BASE_URL }, maxRedirects: 0 })
    }
  })
})

describe('The portal in French', () => {
  story('draws the signed-out pages in French for a person who chose French', async ({ open }) => {
    const { context, page } = await open()
    await visit(page, '/login')
    await inFrench(context, page)
    for (const path of ['/login', '/forgot-password', '/signup']) {
      await visit(page, path)
      assert.equal(await page.locator('html').getAttribute('lang'), 'fr', `${path} says it is French`)
      assert.deepEqual(await englishLeft(page), [], `${path} has no English left`)
      await screenshot(page, `french${path.replaceAll('/', '-')}`)
    }
  })

  story('tells others where a French reader is, and says in French why a review line stays', async ({ open }) => {
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    await inFrench(owner.context, owner.page)
    const acme = await accountId(owner.page, 'Acme Hosting')
    await visit(owner.page, `/a/${acme}/roles/new`)
    const sarah = await open()
    await signIn(sarah.page, 'sarah@acme.test')
    await inFrench(sarah.context, sarah.page)
    await visit(sarah.page, `/a/${acme}/staff/review`)
    // Alex is on the new-role form: Sarah reads where he is in French.
    const trigger = sarah.page.getByTestId('presence')
    await trigger.waitFor()
    await trigger.click()
    await sarah.page.locator('li[data-person="owner@acme.test"]').getByText('Rôles › Nouveau rôle', { exact: true }).waitFor()
    await sarah.page.keyboard.press('Escape')
    // Why the owner's line and her own cannot be removed: the API's reasons, in French.
    await sarah.page.getByText('Le propriétaire d’un compte ne peut pas être retiré.').first().waitFor({ state: 'attached' })
    await sarah.page.getByText('Vous ne pouvez pas vous retirer vous-même.').first().waitFor({ state: 'attached' })
    assert.deepEqual(await englishLeft(sarah.page), [], 'English left on the French access review')
    await screenshot(sarah.page, 'french-access-review')
  })

  for (const t of TOURS) {
    story(`draws every section of the ${t.tier}'s menu in French`, { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
      const { context, page } = await open()
      await signIn(page, t.who)
      await inFrench(context, page)
      const id = await accountId(page, t.account)
      const menu = (await (await page.request.get(`/api/v1/accounts/${id}/menu`)).json()) as { items: { key: string; path: string }[] }
      const left: string[] = []
      for (const item of [{ key: 'dashboard', path: '' }, ...menu.items.filter((m) => m.path)]) {
        await visit(page, `/a/${id}${item.path ? `/${item.path}` : ''}`)
        await page.getByRole('main').getByRole('heading', { level: 1 }).first().waitFor()
        assert.equal(await page.locator('html').getAttribute('lang'), 'fr')
        left.push(...(await englishLeft(page)).map((s) => `${item.key}: ${s}`))
        await screenshot(page, `french-${t.tier}-${item.key}`)
      }
      assert.deepEqual(left, [], `${t.tier}: English left on French pages`)
    })
  }
})
