import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { BASE_URL, hydrated, PASSWORD, pathOf, screenshot, signIn, story, submitLogin } from './support.ts'

const ACME_CUSTOMERS = ['Bluebird Bakery', 'Copperleaf Studio', 'Driftwood Dental']

describe('Signing in', () => {
  story('takes the owner of Acme Hosting from the login page to a dashboard with the menu and Acme’s customers', async ({ open }) => {
    const { page } = await open()
    await page.goto('/')
    assert.equal(pathOf(page), '/login', 'a signed-out visitor is sent to the login page')
    await screenshot(page, 'login')

    await signIn(page, 'owner@acme.test')

    const main = page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'Acme Hosting' }).waitFor()
    const menu = page.getByRole('navigation', { name: 'Main' })
    const labels = (await menu.getByRole('link').allInnerTexts()).map((t) => t.trim())
    assert.ok(labels.includes('Dashboard'), `the menu shows Dashboard (got ${labels.join(', ')})`)
    assert.ok(labels.includes('Customers'), `the menu shows Customers (got ${labels.join(', ')})`)
    assert.equal(await menu.getByRole('link', { name: 'Dashboard' }).getAttribute('aria-current'), 'page')
    for (const name of ACME_CUSTOMERS) await main.getByRole('link', { name }).waitFor()
    await main.getByText('You are Owner here').waitFor()
    assert.equal(await page.title(), 'Dashboard · Acme Hosting · Nimbus Cloud')
    await screenshot(page, 'dashboard')

    await menu.getByRole('link', { name: 'Customers' }).click()
    await page.waitForURL(/\/customers$/)
    await main.getByRole('heading', { level: 1, name: 'Customers' }).waitFor()
    for (const name of ACME_CUSTOMERS) await main.getByRole('link', { name }).waitFor()
    assert.equal(await page.title(), 'Customers · Acme Hosting · Nimbus Cloud')
    await screenshot(page, 'customers')
  })

  story('keeps a visitor with a wrong password on the login page and tells them why', async ({ open }) => {
    const { page } = await open()
    await page.goto('/login')
    await submitLogin(page, 'owner@acme.test', 'not-the-password')

    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.equal((await alert.innerText()).trim(), 'The email or password is incorrect.')
    assert.equal(pathOf(page), '/login')
    assert.equal(await page.getByLabel('Email').inputValue(), 'owner@acme.test', 'the email is kept')
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password is cleared')
    assert.ok(await page.getByRole('button', { name: 'Sign in', exact: true }).isEnabled(), 'the form can be sent again')
    await screenshot(page, 'login-error')
  })

  story('lets Foxglove’s owner sign in from her own browser while someone else’s wrong guesses make other browsers wait', async ({ open }) => {
    const email = 'owner@foxglove.test'
    // She has signed in on this browser before: it is a known device of her login.
    const own = await open()
    await signIn(own.page, email)
    const device = (await own.context.cookies()).find((c) => c.name === 'trellis_device')
    assert.ok(device, 'signing in marks the browser as a known device')
    assert.equal(device.httpOnly, true)
    assert.ok(device.expires > Date.now() / 1000 + 180 * 24 * 3600, 'the device cookie is long-lived')
    // She leaves the portal (its background requests done) before her session cookie goes.
    await own.page.goto('about:blank')
    await own.context.clearCookies({ name: 'trellis_session' })

    // Someone else, from the same address, guesses at her password until the portal makes them wait.
    const guesser = await open()
    await guesser.page.goto('/login')
    let message = ''
    await hydrated(guesser.page)
    for (let i = 0; i < 8 && !/wait/.test(message); i++) {
      // One answer at a time: the form clears the password field when its answer arrives.
      const answered = guesser.page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login')
      await submitLogin(guesser.page, email, `guess-${i}`)
      await answered
      await guesser.page.waitForFunction(() => (document.querySelector('input[name="password"]') as HTMLInputElement | null)?.value === '')
      await guesser.page.getByRole('alert').waitFor()
      message = (await guesser.page.getByRole('alert').innerText()).trim()
    }
    assert.match(message, /^Too many failed sign-in attempts\. Please wait \d+ seconds? before trying again\.$/)
    await screenshot(guesser.page, 'login-wait')
    await guesser.context.close()

    // Her own browser is not held back by the guesser's failures.
    await signIn(own.page, email)
    await own.page.getByRole('main').getByRole('heading', { level: 1 }).waitFor()
  })

  story('returns to the page that was asked for, but never to another site', async ({ open }) => {
    const { context, page } = await open()
    await page.goto('/a/some-account/customers')
    assert.equal(pathOf(page), '/login')
    assert.equal(new URL(page.url()).searchParams.get('next'), '/a/some-account/customers')
    await submitLogin(page, 'owner@acme.test', PASSWORD)
    await page.waitForURL('**/a/some-account/customers')
    await context.close()

    // Guards against an open redirect through ?next= (dot segments normalise to a protocol-relative URL).
    for (const next of ['//evil.test/', '/.//evil.test/', 'https://evil.test/']) {
      const { context, page } = await open()
      await page.goto(`/login?next=${encodeURIComponent(next)}`)
      await signIn(page, 'owner@acme.test')
      assert.equal(new URL(page.url()).origin, new URL(BASE_URL).origin, `next=${next} stays on the portal`)
      await context.close()
    }
  })

  story('works without JavaScript: the form posts, the session cookie is set and the dashboard renders', async ({ open }) => {
    const { context, page } = await open({ javaScriptEnabled: false })
    await page.goto('/login')
    await submitLogin(page, 'owner@acme.test', PASSWORD)
    await page.waitForURL(/\/a\/[^/]+$/)
    await page.getByRole('main').getByRole('heading', { level: 1, name: 'Acme Hosting' }).waitFor()

    const session = (await context.cookies()).find((c) => c.name === 'trellis_session')
    assert.ok(session, 'the session cookie is set')
    assert.equal(session.httpOnly, true)
    assert.equal(session.sameSite, 'Lax')
    assert.ok(session.expires > Date.now() / 1000 + 24 * 3600, 'the cookie keeps the session’s expiry')

    // The other pages render on the server as well.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customers' }).click()
    await page.waitForURL(/\/customers$/)
    await page.getByRole('main').getByText('The customer organisations Acme Hosting looks after.').waitFor()
    for (const name of ACME_CUSTOMERS) await page.getByRole('main').getByRole('link', { name }).waitFor()

    // Logging out is a plain form too.
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL(/\/login$/)
  })

  story('shows the dashboard at 375 px wide with the menu in a drawer', async ({ open }) => {
    const { page } = await open({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })
    await signIn(page, 'owner@acme.test')
    await page.getByRole('main').getByRole('heading', { level: 1, name: 'Acme Hosting' }).waitFor()
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).isVisible(), false, 'the sidebar is folded away')
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.equal(overflow, 0, 'nothing is wider than the screen')
    await screenshot(page, 'dashboard-375')

    await page.getByRole('button', { name: 'Open navigation' }).click()
    const drawer = page.getByRole('dialog')
    await drawer.getByRole('link', { name: 'Customers' }).click()
    await page.waitForURL(/\/customers$/)
    await drawer.waitFor({ state: 'hidden' })
    await screenshot(page, 'customers-375')
  })
})
