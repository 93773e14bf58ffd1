import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { accountId, BASE_URL, followEmailLink, hydrated, pageOverflow, PASSWORD, pathOf, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

const PHONE = { width: 375, height: 740 }

describe('Account security', () => {
  story('lets a person who forgot their password reset it from an emailed link, which then no longer works', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const email = 'owner@driftwood.test'
    const { context, page } = await open()
    // A session that must end with the reset.
    const { context: other, page: otherPage } = await open()
    await signIn(otherPage, email)

    await visit(page, '/login')
    await page.getByRole('link', { name: 'Forgot password?' }).click()
    await page.waitForURL(/\/forgot-password$/)
    await hydrated(page)
    await screenshot(page, 'security-forgot-password')
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Send reset link' }).click()
    await page.getByTestId('reset-sent').waitFor()
    await screenshot(page, 'security-reset-sent')

    const reset = await followEmailLink(context, page, email, /Choose a new password/)
    assert.match(pathOf(reset), /^\/reset-password\/[a-z2-7]+$/)
    await reset.getByRole('heading', { name: 'Choose a new password' }).waitFor()
    await screenshot(reset, 'security-reset-form')
    await reset.getByLabel('New password', { exact: true }).fill('password')
    await reset.getByLabel('New password again').fill('password')
    await reset.getByRole('button', { name: 'Set new password' }).click()
    await reset.getByText(/common password/).waitFor()
    await reset.getByLabel('New password', { exact: true }).fill('driftwood-harbour-lantern-64')
    await reset.getByLabel('New password again').fill('driftwood-harbour-lantern-64')
    await reset.getByRole('button', { name: 'Set new password' }).click()
    await reset.getByTestId('reset-done').waitFor()
    await screenshot(reset, 'security-reset-done')

    // The other session ended with it.
    await otherPage.reload()
    assert.equal(pathOf(otherPage), '/login', 'the other session was signed out')

    // The same link again: its own finished page.
    await reset.reload()
    await hydrated(reset)
    assert.equal(await reset.getByTestId('reset-problem').getAttribute('data-problem'), 'used')
    await screenshot(reset, 'security-reset-used')

    await signIn(otherPage, email, 'driftwood-harbour-lantern-64')

    // The pages at phone width.
    const { context: phone, page: small } = await open({ viewport: PHONE })
    await visit(small, '/forgot-password')
    assert.equal(await pageOverflow(small), 0, 'nothing wider than the phone')
    await screenshot(small, 'security-forgot-password-375')
    await visit(small, pathOf(reset))
    await screenshot(small, 'security-reset-used-375')
    await phone.close()

    // Later stories sign in as Dana with the demo password: she sets it back on her profile.
    await visit(otherPage, '/profile')
    await otherPage.getByLabel('Current password').fill('driftwood-harbour-lantern-64')
    await otherPage.getByLabel('New password', { exact: true }).fill(PASSWORD)
    await otherPage.getByLabel('New password again').fill(PASSWORD)
    await otherPage.getByRole('button', { name: 'Change password' }).click()
    await otherPage.getByRole('status').getByText('Password changed').waitFor()
    await other.close()
    await context.close()
  })

  story('lists where a person is signed in and signs out another session', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const email = 'owner@evergreen.test'
    const { context: laptop, page } = await open()
    const { context: phoneContext, page: phone } = await open({
      viewport: PHONE,
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    })
    await signIn(phone, email)
    await signIn(page, email)
    await visit(page, '/profile')
    const sessions = page.getByRole('list', { name: 'Sessions' })
    await sessions.locator('li[data-current="true"]').getByText('This device').waitFor()
    await sessions.getByText('Safari on iPhone').waitFor()
    await screenshot(page, 'security-sessions')

    await sessions.getByRole('button', { name: 'Sign out Safari on iPhone' }).click()
    await sessions.getByText('Safari on iPhone').waitFor({ state: 'detached' })
    await phone.reload()
    assert.equal(pathOf(phone), '/login', 'the phone was signed out')

    // Sign out everywhere else, with confirmation.
    await signIn(phone, email)
    await visit(phone, '/profile')
    await screenshot(phone, 'security-sessions-375')
    assert.equal(await pageOverflow(phone), 0, 'nothing wider than the phone')
    await page.reload()
    await hydrated(page)
    await page.getByRole('button', { name: 'Sign out everywhere else' }).click()
    const dialog = page.getByRole('alertdialog')
    await dialog.getByRole('button', { name: /Sign out 1 session/ }).click()
    await dialog.waitFor({ state: 'detached' })
    await phone.reload()
    assert.equal(pathOf(phone), '/login', 'signed out everywhere else')
    await phoneContext.close()
    await laptop.close()
  })

  story('creates an API key, shows it once, and the key works with fetch until it is revoked', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/security/api-keys`)
    await page.getByRole('heading', { name: 'Security' }).waitFor()
    await page.getByRole('button', { name: 'Create key' }).first().click()
    const dialog = page.getByRole('dialog', { name: 'Create an API key' })
    await dialog.getByLabel('Name').fill('Story sync')
    await dialog.getByRole('radio', { name: /Admin/ }).check()
    await dialog.getByRole('checkbox', { name: /Technical/ }).check()
    await dialog.getByRole('radio', { name: /All services/ }).check()
    await screenshot(page, 'security-api-key-create')
    await dialog.getByRole('button', { name: 'Create key' }).click()
    const shown = page.getByRole('dialog', { name: 'Copy your new key' })
    const secret = await shown.getByTestId('new-key').inputValue()
    assert.match(secret, /^trl_[a-z2-7]{16}_[a-z2-7]{32}$/)
    await screenshot(page, 'security-api-key-shown')
    await shown.getByRole('button', { name: 'Done' }).click()
    await page.locator('[data-key="Story sync"]').waitFor()

    // An integration calls the API with the key: no cookie, no Origin.
    const services = await fetch(`${BASE_URL}/api/v1/accounts/${acme}/services`, { headers: { authorization: `Bearer ${secret}` } })
    assert.equal(services.status, 200)
    const created = await fetch(`${BASE_URL}/api/v1/accounts/${acme}/services`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'story-sync.example', type: 'domain' }),
    })
    assert.equal(created.status, 201)
    const me = await fetch(`${BASE_URL}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } })
    assert.equal(me.status, 403, 'a key has no profile')

    await page.reload()
    await hydrated(page)
    await page.locator('[data-key="Story sync"]').getByText(/ago|just now|now/i).first().waitFor()
    await screenshot(page, 'security-api-keys')

    await page.locator('[data-key="Story sync"]').getByRole('button', { name: 'Revoke Story sync' }).click()
    const confirm = page.getByRole('alertdialog')
    await confirm.getByRole('button', { name: 'Revoke key' }).click()
    await confirm.waitFor({ state: 'detached' })
    await page.locator('[data-key="Story sync"]').getByText('Revoked').waitFor()
    const after = await fetch(`${BASE_URL}/api/v1/accounts/${acme}/services`, { headers: { authorization: `Bearer ${secret}` } })
    assert.equal(after.status, 401)

    const { context: phone, page: small } = await open({ viewport: PHONE })
    await signIn(small, 'owner@acme.test')
    await visit(small, `/a/${acme}/security/api-keys`)
    await small.locator('[data-key-card="Story sync"]').waitFor()
    assert.equal(await pageOverflow(small), 0, 'nothing wider than the phone')
    await screenshot(small, 'security-api-keys-375')
    await phone.close()
    await context.close()
  })
})
