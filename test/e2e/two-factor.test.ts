import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { decodeBase32IgnorePadding } from '@oslojs/encoding'
import type { BrowserContext, Page } from 'playwright-core'
import { totpCode, totpStep } from '../../worker/src/crypto/totp.ts'
import { accountId, forgetSession, hydrated, pageOverflow, pathOf, screenshot, signIn, story, STORY_TIMEOUT, submitLogin, visit } from './support.ts'

/** The demo key of tess@acme.test, as the README prints it. */
const TESS_KEY = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'

/** Chromium's virtual authenticator (CDP WebAuthn domain): a platform passkey with user verification. */
async function virtualAuthenticator(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  })
}

/** Type a code on the second-step page and continue. */
async function enterCode(page: Page, code: string) {
  await page.waitForURL(/\/login\/verify/)
  await hydrated(page)
  await page.getByLabel('Code from your authenticator app').fill(code)
  await page.getByRole('button', { name: 'Continue' }).click()
}

describe('Two-factor sign-in', () => {
  story('asks the demo member Tess for a code from the key in the README after her password', async ({ open }) => {
    const { context, page } = await open()
    await page.goto('/login')
    await hydrated(page)
    await submitLogin(page, 'tess@acme.test', 'trellis-demo')
    await page.waitForURL(/\/login\/verify/)
    await hydrated(page)
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor()
    await screenshot(page, 'two-factor-verify')
    // A wrong code stays on the page with the reason under the field.
    await page.getByLabel('Code from your authenticator app').fill('000000')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByText('That code is not right').waitFor()
    await enterCode(page, totpCode(decodeBase32IgnorePadding(TESS_KEY), totpStep()))
    await page.waitForURL(/\/a\/[^/]+$/)
    await page.getByRole('main').getByRole('heading', { level: 1, name: 'Acme Hosting' }).waitFor()
    await context.close()
  })

  story('lets Dana set up an authenticator app on her profile, shows the recovery codes once, and asks for a code at the next sign-in', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'owner@driftwood.test')
    await visit(page, '/profile')
    const card = page.getByTestId('two-factor')
    await card.getByRole('button', { name: 'Set up authenticator app' }).click()
    const key = await card.getByTestId('totp-manual-key').getAttribute('data-key')
    assert.ok(key && /^[A-Z2-7]{32}$/.test(key), `a base32 key is shown (got ${key})`)
    assert.ok(await card.getByTestId('totp-qr').locator('svg').count(), 'the QR code is an inline SVG')
    await screenshot(page, 'two-factor-enrol')
    const secret = decodeBase32IgnorePadding(key)
    await card.getByLabel('Code from the app').fill(totpCode(secret, totpStep()))
    await card.getByRole('button', { name: 'Turn on' }).click()
    const codes = card.getByTestId('recovery-codes')
    await codes.waitFor()
    assert.equal(await codes.getByRole('listitem').count(), 10, 'ten recovery codes')
    await card.getByText('On', { exact: true }).waitFor()
    await screenshot(page, 'two-factor-recovery-codes')

    await forgetSession(page)
    await page.goto('/login')
    await hydrated(page)
    await submitLogin(page, 'owner@driftwood.test', 'trellis-demo')
    // The code of the enrolment's step was used; the next step's is accepted (one step of clock drift).
    await enterCode(page, totpCode(secret, totpStep() + 1))
    await page.waitForURL(/\/a\/[^/]+$/)
    await context.close()
  })

  story('registers a passkey on Eve’s profile with Chromium’s virtual authenticator, then signs her in with it alone and as a second factor', async ({ open }) => {
    const { context, page } = await open()
    await virtualAuthenticator(context, page)
    await signIn(page, 'owner@evergreen.test')
    await visit(page, '/profile')
    const card = page.getByTestId('two-factor')
    await card.getByLabel('Name for a new passkey').fill('Work laptop')
    await card.getByRole('button', { name: 'Add passkey' }).click()
    await card.getByRole('list', { name: 'Passkeys' }).getByText('Work laptop').waitFor()
    await screenshot(page, 'two-factor-passkey')

    // Passwordless: the passkey alone.
    await forgetSession(page)
    await visit(page, '/login')
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.waitForURL(/\/a\/[^/]+$/)
    await page.getByRole('main').getByRole('heading', { level: 1, name: 'Evergreen Legal' }).waitFor()

    // As the second factor after the password.
    await forgetSession(page)
    await visit(page, '/login')
    await submitLogin(page, 'owner@evergreen.test', 'trellis-demo')
    await page.waitForURL(/\/login\/verify/)
    await hydrated(page)
    await page.getByRole('button', { name: 'Use a passkey' }).click()
    await page.waitForURL(/\/a\/[^/]+$/)
    assert.match(pathOf(page), /^\/a\//)
    await context.close()
  })

  story('sends Sam to set up an authenticator app right after his password once an account above him requires it, and keeps the last factor while it is required', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    // Sam is a user of Evergreen Legal; the platform requires 2FA there.
    const sam = await open()
    await signIn(sam.page, 'sam@freelance.test')
    const evergreen = await accountId(sam.page, 'Evergreen Legal')
    await forgetSession(sam.page)

    const admin = await open()
    await signIn(admin.page, 'admin@nimbus.test')
    await visit(admin.page, `/a/${evergreen}/security`)
    const main = admin.page.getByRole('main')
    await main.getByLabel('Require two-factor sign-in').check()
    await main.getByRole('button', { name: 'Save policy' }).click()
    await main.getByText('Required', { exact: true }).waitFor()

    await visit(sam.page, '/login')
    await submitLogin(sam.page, 'sam@freelance.test', 'trellis-demo')
    await sam.page.waitForURL(/\/login\/enrol/)
    await hydrated(sam.page)
    await sam.page.getByRole('heading', { name: 'Set up two-factor sign-in' }).waitFor()
    await screenshot(sam.page, 'two-factor-required-enrol')
    const key = decodeBase32IgnorePadding((await sam.page.getByTestId('totp-manual-key').getAttribute('data-key'))!)
    await sam.page.getByLabel('Code from the app').fill(totpCode(key, totpStep()))
    await sam.page.getByRole('button', { name: 'Turn on and continue' }).click()
    await sam.page.getByTestId('recovery-codes').waitFor()
    await screenshot(sam.page, 'two-factor-required-codes')
    await sam.page.getByRole('link', { name: /I saved my codes/ }).click()
    await sam.page.waitForURL(/\/a\/[^/]+$/)

    // While it is required, the last factor stays.
    await visit(sam.page, '/profile')
    const card = sam.page.getByTestId('two-factor')
    await sam.page.getByText('Required by your organisation').waitFor()
    await card.getByText('Replace recovery codes or turn the app off').click()
    await card.getByLabel('Password', { exact: true }).fill('trellis-demo')
    await card.getByLabel('Current code').fill(totpCode(key, totpStep() + 1))
    await card.getByRole('button', { name: 'Turn off' }).click()
    await card.getByText('Your account requires two-factor sign-in').waitFor()

    // Optional again: now he may turn it off (password and a code).
    await main.getByLabel('Require two-factor sign-in').uncheck()
    await main.getByRole('button', { name: 'Save policy' }).click()
    await main.getByText('Optional', { exact: true }).waitFor()
    await card.getByRole('button', { name: 'Turn off' }).click()
    await sam.page.getByText('Authenticator app turned off').waitFor()
    await card.getByRole('button', { name: 'Set up authenticator app' }).waitFor()
    await admin.context.close()
    await sam.context.close()
  })

  for (const width of [375, 1280]) {
    story(`shows Acme’s owner the Security page, finished at ${width} px`, async ({ open }) => {
      const mobile = width === 375
      const { context, page } = await open(mobile ? { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true } : {})
      await signIn(page, 'owner@acme.test')
      const acme = await accountId(page, 'Acme Hosting')
      await visit(page, `/a/${acme}/security`)
      const main = page.getByRole('main')
      await main.getByRole('heading', { level: 1, name: 'Security' }).waitFor()
      const tabs = main.getByRole('navigation', { name: 'Security' })
      assert.equal(await tabs.getByRole('link', { name: 'Sign-in security' }).getAttribute('aria-current'), 'page')
      await tabs.getByRole('link', { name: 'API keys' }).waitFor()
      const tess = main.getByTestId('security-member').filter({ hasText: 'tess@acme.test' })
      await tess.getByText('Authenticator app').waitFor()
      if (!mobile) {
        await main.getByLabel('Require two-factor sign-in').check()
        await main.getByRole('radio', { name: /Trust for/ }).check()
        await main.getByLabel('Days a network stays trusted (0 = never)').fill('30')
        await main.getByRole('button', { name: 'Save policy' }).click()
        await page.getByText('Sign-in security saved').waitFor()
        await main.getByText('30 days').first().waitFor()
        await main.getByText('Required', { exact: true }).waitFor()
        await screenshot(page, `security-${width}`)
        // Back to optional: the other stories sign Acme's people in with a password alone.
        await main.getByLabel('Require two-factor sign-in').uncheck()
        await main.getByRole('button', { name: 'Save policy' }).click()
        await main.getByText('Optional', { exact: true }).waitFor()
      }
      assert.equal(await pageOverflow(page), 0, 'nothing is wider than the screen')
      if (mobile) await screenshot(page, `security-${width}`)
      await context.close()
    })
  }
})
