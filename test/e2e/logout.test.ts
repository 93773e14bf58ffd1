import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { accountId, hydrated, pathOf, screenshot, signIn, story, visit } from './support.ts'

describe('Logging out', () => {
  story('returns to the login page, and the old session cookie no longer opens the account', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'sarah@acme.test')
    const dashboard = pathOf(page)
    const oldSession = (await context.cookies()).find((c) => c.name === 'trellis_session')
    assert.ok(oldSession, 'signed in with a session cookie')

    await page.getByRole('button', { name: /user menu/i }).click()
    await page.getByRole('menuitem', { name: 'Log out' }).click()
    await page.waitForURL(/\/login$/)
    assert.equal((await context.cookies()).find((c) => c.name === 'trellis_session'), undefined, 'the cookie is gone')

    await page.goto(dashboard)
    assert.equal(pathOf(page), '/login', 'this browser is signed out')

    // Guards against sessions surviving logout: replaying the old cookie is refused too.
    const { context: replay, page: replayPage } = await open()
    await replay.addCookies([{ ...oldSession }])
    await replayPage.goto(dashboard)
    assert.equal(pathOf(replayPage), '/login', 'the old session is dead on the server')
    assert.equal(new URL(replayPage.url()).searchParams.get('next'), dashboard, 'signing in again returns to the page')
  })

  story('does not bring back a private page with Back after logging out', async ({ open }) => {
    // Protects against the next person at a shared computer pressing Back and reading names and emails from the cache.
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    const staff = await visit(page, `/a/${acme}/staff`)
    const members = page.getByRole('main').getByRole('table')
    await members.getByText('tom@acme.test').waitFor()
    await members.getByText('Billie Novak').waitFor()
    assert.match(staff?.headers()['cache-control'] ?? '', /no-store/, 'the page is never stored')

    await page.getByRole('button', { name: /user menu/i }).click()
    await page.getByRole('menuitem', { name: 'Log out' }).click()
    await page.waitForURL(/\/login$/)

    await page.goBack()
    // Back asks the server again (nothing was stored), which sends a signed-out browser to sign in.
    const signedOut = await page.waitForURL((url) => url.pathname === '/login', { timeout: 10_000 }).then(
      () => true,
      () => false,
    )
    if (signedOut) await hydrated(page)
    assert.equal(await page.getByText('tom@acme.test').count(), 0, 'no email of the staff page is shown')
    assert.equal(await page.getByText('Billie Novak').count(), 0, 'no name of the staff page is shown')
    assert.ok(signedOut, `Back leads to the login page (at ${pathOf(page)})`)
    await screenshot(page, 'logout-back')
  })
})
