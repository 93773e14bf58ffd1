import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Page } from 'playwright-core'
import { BASE_URL, hydrated, screenshot, signIn, story, submitLogin, visit } from './support.ts'

// Chromium resolves *.localhost to this machine; the same portal answers every host.
const hostUrl = (sub: string | null) => (sub ? BASE_URL.replace('//localhost', `//${sub}.localhost`) : BASE_URL)

/** The account whose dashboard signing in landed on (Node cannot resolve *.localhost for API look-ups). */
function dashboardAccount(page: Page): string {
  return new URL(page.url()).pathname.split('/')[2]!
}

/** The brand colours the page actually applies (from :root). */
async function themeOf(page: Page) {
  return page.evaluate(() => {
    const style = getComputedStyle(document.documentElement)
    return { primary: style.getPropertyValue('--brand-primary').trim(), accent: style.getPropertyValue('--brand-accent').trim() }
  })
}

/** The src of the brand logo in the given area, and whether the image actually loaded. */
async function logoOf(page: Page, scope = page.locator('body')) {
  const img = scope.locator('img').first()
  await img.waitFor()
  return img.evaluate((el: HTMLImageElement) => ({ src: new URL(el.src).pathname, loaded: el.complete && el.naturalWidth > 0 }))
}

/** Drive a local stand-in the e2e runner started (test/helpers/cloudflare-api.ts, resend-api.ts) over its control path. */
async function control(base: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })
  assert.equal(res.ok, true, `the stand-in refused ${path}`)
  return res.json()
}
const cloudflare = async (path: string, body?: unknown) =>
  ((await control(process.env.E2E_CLOUDFLARE_API!.replace(/\/client\/v4$/, ''), path, body)) as { result: unknown }).result
const resend = (path: string, body?: unknown) => control(process.env.E2E_RESEND_API!, path, body)

describe('Branded portals', () => {
  for (const portal of [
    { sub: 'acme', name: 'Acme Hosting', owner: 'owner@acme.test', primary: '#c2410c', accent: '#f59e0b', message: /Acme Hosting customer portal/ },
    { sub: 'globex', name: 'Globex Partners', owner: 'owner@globex.test', primary: '#6d28d9', accent: '#10b981', message: null },
  ]) {
    story(`${portal.sub}.localhost shows ${portal.name}'s logo and colours on the login page and after signing in`, async ({ open }) => {
      const { context, page } = await open({ baseURL: hostUrl(portal.sub) })
      // Globex's portal speaks French by default (french.test.ts); this story reads it in English.
      await context.addCookies([{ name: 'trellis-lang', value: 'en', url: hostUrl(portal.sub) }])
      await visit(page, '/login')
      assert.equal(await page.title(), `Sign in · ${portal.name}`)
      assert.deepEqual(await themeOf(page), { primary: portal.primary, accent: portal.accent })
      const logo = await logoOf(page, page.getByRole('main'))
      assert.match(logo.src, /^\/api\/v1\/brand\/logo\/acc_[a-z2-7]+\/1$/)
      assert.ok(logo.loaded, 'the logo image loads from R2')
      const icon = await page.locator('link[rel="icon"]').last().getAttribute('href')
      assert.equal(new URL(icon ?? '', page.url()).pathname, logo.src, 'the favicon is the logo')
      if (portal.message) await page.getByTestId('login-message').getByText(portal.message).waitFor()
      await page.getByRole('link', { name: `Contact ${portal.name} support` }).waitFor()
      await page.getByText('Powered by Trellis').waitFor()
      await screenshot(page, `branding-${portal.sub}-login`)

      await signIn(page, portal.owner)
      assert.deepEqual(await themeOf(page), { primary: portal.primary, accent: portal.accent })
      const sidebar = page.getByRole('complementary', { name: 'Sidebar' })
      assert.ok((await logoOf(page, sidebar)).loaded)
      await sidebar.getByText(portal.name, { exact: true }).first().waitFor()
      await sidebar.getByRole('link', { name: `${portal.name} support` }).waitFor()
      assert.match(await page.title(), new RegExp(`· ${portal.name}$`))
      await screenshot(page, `branding-${portal.sub}-dashboard`)
    })
  }

  story("localhost shows the platform's own brand: its name, never the product's", async ({ open }) => {
    const { page } = await open()
    await visit(page, '/login')
    assert.equal(await page.title(), 'Sign in · Nimbus Cloud')
    assert.deepEqual(await themeOf(page), { primary: '#2563eb', accent: '#0ea5e9' })
    assert.equal((await logoOf(page, page.getByRole('main'))).src, '/favicon.svg')
    await page.getByRole('main').getByText('Nimbus Cloud').first().waitFor()
    await page.getByText('Powered by Trellis').waitFor()
    await screenshot(page, 'branding-platform-login')
    await signIn(page, 'admin@nimbus.test')
    assert.deepEqual(await themeOf(page), { primary: '#2563eb', accent: '#0ea5e9' })
    await screenshot(page, 'branding-platform-dashboard')
  })

  story("refuses another reseller's owner on acme.localhost and points to their own portal", async ({ open }) => {
    const { page } = await open({ baseURL: hostUrl('acme') })
    await visit(page, '/login')
    // A wrong password gets the ordinary answer: nothing about portals.
    await submitLogin(page, 'owner@globex.test', 'not-the-password')
    await page.getByRole('alert').getByText('The email or password is incorrect.').waitFor()
    await submitLogin(page, 'owner@globex.test', 'trellis-demo')
    const alert = page.getByRole('alert')
    await alert.getByText('This portal belongs to another provider').waitFor()
    const link = alert.getByRole('link', { name: /globex\.localhost/ })
    assert.equal(await link.getAttribute('href'), hostUrl('globex'))
    assert.equal(new URL(page.url()).pathname, '/login')
    await screenshot(page, 'branding-wrong-portal')
  })

  story('renders markup in a brand name as text, and previews colours while editing', async ({ open }) => {
    // Protects against stored XSS through a reseller's brand fields.
    const { context, page } = await open({ baseURL: hostUrl('globex') })
    await context.addCookies([{ name: 'trellis-lang', value: 'en', url: hostUrl('globex') }])
    await visit(page, '/login')
    await signIn(page, 'owner@globex.test')
    await visit(page, `/a/${dashboardAccount(page)}/branding`)
    const evil = '<script>window.__pwned=1</script><b>Globex</b>'
    await page.getByLabel('Display name').fill(evil)
    await page.getByLabel('Primary colour', { exact: true }).fill('#0f766e')
    // The preview follows the typed colour before saving.
    const previewColour = await page.getByTestId('brand-preview').evaluate((el) => getComputedStyle(el).getPropertyValue('--preview-primary').trim())
    assert.equal(previewColour, '#0f766e')
    await page.getByRole('button', { name: 'Save brand' }).click()
    await page.getByText('Brand saved').waitFor()
    await screenshot(page, 'branding-settings')
    await page.setViewportSize({ width: 375, height: 800 })
    await screenshot(page, 'branding-settings-375')
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('main *')]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(0, 5)
        .map((el) => `${el.tagName}.${el.className}`.slice(0, 120)),
    )
    assert.deepEqual(wide, [], 'nothing overflows at 375 px')
    await page.setViewportSize({ width: 1280, height: 800 })

    const other = await open({ baseURL: hostUrl('globex') })
    await visit(other.page, '/login')
    await other.page.getByRole('main').getByText(evil, { exact: true }).waitFor()
    assert.equal(await other.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, 'no script ran')
    assert.equal(await other.page.locator('main b').count(), 0, 'no markup was rendered')
    assert.equal((await themeOf(other.page)).primary, '#0f766e')
    await other.context.close()

    // Put the demo brand back for later stories.
    await page.getByLabel('Display name').fill('Globex Partners')
    await page.getByLabel('Primary colour', { exact: true }).fill('#6d28d9')
    await page.getByRole('button', { name: 'Save brand' }).click()
    await page.getByText('Brand saved').waitFor()
  })

  story('shows a logo of the wrong type as an error next to the upload', async ({ open }) => {
    const { page } = await open({ baseURL: hostUrl('acme') })
    await visit(page, '/login')
    await signIn(page, 'owner@acme.test')
    await visit(page, `/a/${dashboardAccount(page)}/branding`)
    await page.getByLabel('Upload a new logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('<html><script>alert(1)</script></html>') })
    await page.getByRole('button', { name: 'Upload', exact: true }).click()
    await page.getByRole('alert').getByText('Upload a PNG, JPEG, WebP or SVG image.').waitFor()
    await page.getByLabel('Upload a new logo').setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: Buffer.alloc(300 * 1024) })
    await page.getByText('the limit is 256 KB').waitFor()
    assert.equal(await page.getByRole('button', { name: 'Upload', exact: true }).isDisabled(), true)
  })

  story('adds a domain, shows its TXT record, marks it verified in development and removes it after confirming', async ({ open }) => {
    const { page } = await open({ baseURL: hostUrl('acme') })
    await visit(page, '/login')
    await signIn(page, 'owner@acme.test')
    await visit(page, `/a/${dashboardAccount(page)}/branding/domains`)
    await page.getByRole('link', { name: 'Domains' }).waitFor()
    const rows = page.getByTestId('hostname-row')
    await rows.filter({ hasText: 'acme.localhost' }).getByText('Verified', { exact: true }).waitFor()

    await page.getByRole('textbox', { name: 'Hostname' }).fill('Portal.Bluebird-Bakery.example')
    await page.getByRole('combobox', { name: 'For' }).selectOption({ label: 'Bluebird Bakery' })
    await page.getByRole('button', { name: 'Add hostname' }).click()
    const row = rows.filter({ hasText: 'portal.bluebird-bakery.example' })
    await row.getByText('Pending', { exact: true }).waitFor()
    await row.getByText('for Bluebird Bakery').waitFor()
    await row.getByText('_trellis.portal.bluebird-bakery.example').waitFor()
    await row.getByText(/^trellis-verify=/).waitFor()
    await row.getByRole('button', { name: 'Copy record value' }).waitFor()
    // A pending claim shows when it ends unless verified (7 days).
    await row.getByTestId('claim-expiry').getByText(/^Claim expires in (6|7) days/).waitFor()
    await screenshot(page, 'branding-domains-pending')
    await page.setViewportSize({ width: 375, height: 800 })
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, 'nothing overflows at 375 px')
    await screenshot(page, 'branding-domains-375')
    await page.setViewportSize({ width: 1280, height: 800 })

    // Claiming it again is refused, naming the field.
    await page.getByRole('textbox', { name: 'Hostname' }).fill('portal.bluebird-bakery.example')
    await page.getByRole('button', { name: 'Add hostname' }).click()
    await page.getByText('You have already claimed this hostname; verify it below.').waitFor()

    await row.getByRole('button', { name: 'Mark verified (dev)' }).click()
    await row.getByText('Verified', { exact: true }).waitFor()
    assert.equal(await row.getByText('_trellis.portal.bluebird-bakery.example').count(), 0)

    // Verified: the portal asked Cloudflare for SaaS (a local stand-in here) for a certificate.
    const tls = row.getByTestId('tls-status')
    await tls.getByText('Pending', { exact: true }).waitFor()
    await row.getByText('portals.trellis.test').waitFor()
    await screenshot(page, 'branding-domains-tls-pending')
    await cloudflare('/_control/ssl', { hostname: 'portal.bluebird-bakery.example', status: 'active' })
    await tls.getByRole('button', { name: 'Check now' }).click()
    await tls.getByText('Active', { exact: true }).waitFor()
    await page.getByText('Certificate of portal.bluebird-bakery.example: active').waitFor()
    assert.equal(await tls.getByRole('button', { name: 'Check now' }).count(), 0)

    await row.getByRole('button', { name: 'Remove portal.bluebird-bakery.example' }).click()
    const dialog = page.getByRole('alertdialog')
    await dialog.getByText('Remove portal.bluebird-bakery.example?').waitFor()
    await dialog.getByRole('button', { name: 'Remove hostname' }).click()
    await page.getByText('Hostname removed').waitFor()
    assert.equal(await row.count(), 0)
    // …and it is gone from the Cloudflare zone too.
    const zone = (await cloudflare('/_control/hostnames')) as { hostname: string }[]
    assert.equal(zone.filter((h) => h.hostname === 'portal.bluebird-bakery.example').length, 0)
    await hydrated(page)
  })
  story("sends the reseller's mail from its own domain once the provider verifies it", async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    await visit(page, `/a/${dashboardAccount(page)}/branding/email`)
    await page.getByRole('link', { name: 'Email sender' }).waitFor()
    const now = page.getByTestId('sending-now')
    await now.getByText('<no-reply@trellis.invalid>').waitFor()
    await now.getByText('support@acme.test').waitFor()

    await page.getByRole('textbox', { name: 'Domain' }).fill('mail.acme-e2e.example')
    await page.getByRole('button', { name: 'Use this domain' }).click()
    const card = page.getByTestId('sender-domain')
    await card.getByText('Not checked yet').first().waitFor()
    assert.equal(await page.getByTestId('sender-records').locator('li').count(), 3)
    await screenshot(page, 'branding-email-records')
    await page.setViewportSize({ width: 375, height: 800 })
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, 'nothing overflows at 375 px')
    await screenshot(page, 'branding-email-375')
    await page.setViewportSize({ width: 1280, height: 800 })

    await card.getByRole('button', { name: 'Verify' }).click()
    await page.getByText('The provider says: checking').waitFor()
    await resend('/_control/domain', { name: 'mail.acme-e2e.example', status: 'verified' })
    await card.getByRole('button', { name: 'Verify' }).click()
    await card.getByText('Verified', { exact: true }).first().waitFor()
    await now.getByText('<portal@mail.acme-e2e.example>').waitFor()
    await screenshot(page, 'branding-email-verified')

    await card.getByRole('button', { name: 'Remove mail.acme-e2e.example' }).click()
    const dialog = page.getByRole('alertdialog')
    await dialog.getByRole('button', { name: 'Remove domain' }).click()
    await page.getByText('Sending domain removed').waitFor()
    await now.getByText('<no-reply@trellis.invalid>').waitFor()
    await hydrated(page)
  })
  story('keeps a sending domain added while the email provider is down, says so, and registers it when the provider answers', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@globex.test')
    await visit(page, `/a/${dashboardAccount(page)}/branding/email`)
    await page.getByRole('link', { name: 'Email sender' }).waitFor()
    await resend('/_control/fail', { about: 'mail.globex-wait.example', status: 503, times: 1 })
    await page.getByRole('textbox', { name: 'Domain' }).fill('mail.globex-wait.example')
    await page.getByRole('button', { name: /Use this domain|Change domain/ }).click()
    await page.getByText(/the provider could not be reached, the portal registers it within minutes/).waitFor()
    const card = page.getByTestId('sender-domain')
    await card.getByText('Waiting for the provider').waitFor()
    assert.equal(await page.getByTestId('sender-records').locator('li').count(), 0)
    await screenshot(page, 'branding-email-waiting')
    await card.getByRole('button', { name: 'Verify' }).click()
    await page.getByText('The provider says: checking').waitFor()
    assert.equal(await page.getByTestId('sender-records').locator('li').count(), 3)
    await card.getByRole('button', { name: 'Remove mail.globex-wait.example' }).click()
    await page.getByRole('alertdialog').getByRole('button', { name: 'Remove domain' }).click()
    await page.getByText('Sending domain removed').waitFor()
    await hydrated(page)
  })
})
