import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { launchBrowser, openPage, pathOf, signIn, STORY_TIMEOUT } from './support.ts'

describe('Logging out', () => {
  let browser: Browser
  before(async () => {
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
  })

  it('returns to the login page, and the old session cookie no longer opens the account', { timeout: STORY_TIMEOUT }, async () => {
    const { context, page } = await openPage(browser)
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
    const { context: replay, page: replayPage } = await openPage(browser)
    await replay.addCookies([{ ...oldSession }])
    await replayPage.goto(dashboard)
    assert.equal(pathOf(replayPage), '/login', 'the old session is dead on the server')
    assert.equal(new URL(replayPage.url()).searchParams.get('next'), dashboard, 'signing in again returns to the page')
    await replay.close()
    await context.close()
  })
})
