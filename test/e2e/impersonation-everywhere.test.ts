import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Page } from 'playwright-core'
import { hydrated, pathOf, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

async function reachable(page: Page, name: string): Promise<string> {
  const body = (await (await page.request.get(`/api/v1/me/reachable-accounts?q=${encodeURIComponent(name)}`)).json()) as { items: { id: string; name: string }[] }
  return body.items.find((a) => a.name === name)!.id
}

/** Sarah (Acme's support) logs in as Copperleaf's owner from the Customers page; answers the banner. */
async function sarahActsAsCarl(page: Page) {
  await signIn(page, 'sarah@acme.test')
  const acme = pathOf(page).split('/')[2]!
  await visit(page, `/a/${acme}/customers`)
  await page.getByRole('main').getByRole('button', { name: 'Actions for Copperleaf Studio' }).click()
  await page.getByRole('menuitem', { name: 'Log in as owner' }).click()
  const dialog = page.getByRole('dialog', { name: 'Log in as Carl Jensen' })
  assert.match(await dialog.innerText(), /with their permissions, limited to yours/)
  await dialog.getByLabel('Reason').fill('Ticket #311: render farm settings')
  await dialog.getByRole('button', { name: 'Start impersonating' }).click()
  const banner = page.getByRole('region', { name: 'Impersonation' })
  await banner.waitFor()
  return banner
}

describe('Impersonation, everywhere it matters', () => {
  story('keeps the banner and Exit on every page, the not-found pages included, and clears the person from presence at once on exit', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    // Acme's owner watches Copperleaf's dashboard.
    const alex = await open()
    await signIn(alex.page, 'owner@acme.test')
    const copperleaf = await reachable(alex.page, 'Copperleaf Studio')
    await visit(alex.page, `/a/${copperleaf}`)
    const online = alex.page.getByTestId('online')
    await online.getByText('Only you.').waitFor()

    // Sarah logs in as Copperleaf's owner.
    const sarah = await open()
    const banner = await sarahActsAsCarl(sarah.page)

    // Alex sees Carl online (the person acted as).
    await online.getByText('Carl Jensen').waitFor()

    // The banner stays on a page that does not exist, in the account and outside it.
    await sarah.page.goto(`/a/${copperleaf}/no-such-page`)
    await hydrated(sarah.page)
    await banner.getByRole('button', { name: 'Exit impersonation' }).waitFor()
    await sarah.page.goto('/no-such-address')
    await hydrated(sarah.page)
    await sarah.page.getByRole('heading', { level: 1 }).waitFor()
    await banner.getByRole('button', { name: 'Exit impersonation' }).waitFor()
    await screenshot(sarah.page, 'impersonation-404')

    // Back in Copperleaf, Carl is online again; Exit removes him from Alex's list without a reload.
    await visit(sarah.page, `/a/${copperleaf}/services`)
    await online.getByText('Carl Jensen').waitFor()
    await banner.getByRole('button', { name: 'Exit impersonation' }).click()
    await banner.waitFor({ state: 'detached' })
    await online.getByText('Carl Jensen').waitFor({ state: 'detached', timeout: 10_000 })
    await screenshot(alex.page, 'impersonation-presence-cleared')
    await sarah.context.close()
    await alex.context.close()
  })
  story('keeps the banner and a working Exit on an account that does not exist', async ({ open }) => {
    const { page } = await open()
    const banner = await sarahActsAsCarl(page)
    const copperleaf = pathOf(page).split('/')[2]!
    // An account id nobody has: the account's own layout fails, the page still says who Sarah acts as.
    await page.goto('/a/acc_no_such_account')
    await hydrated(page)
    await page.getByRole('heading', { level: 1, name: 'Account not found' }).waitFor()
    assert.match(await banner.innerText(), /You are signed in as Carl Jensen/)
    await screenshot(page, 'impersonation-account-not-found')
    await banner.getByRole('button', { name: 'Exit impersonation' }).click()
    await banner.waitFor({ state: 'detached' })
    // Back in her own view of the account the impersonation happened in.
    await page.waitForURL((url) => url.pathname === `/a/${copperleaf}`)
  })
})
