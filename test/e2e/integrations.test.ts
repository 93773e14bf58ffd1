import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { accountId, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

/** The local receiver the e2e runner started (test/helpers/hook-receiver.ts). */
const RECEIVER = process.env.E2E_HOOK_RECEIVER!
async function received(box: string) {
  return (await (await fetch(`${RECEIVER}/_control/${box}`)).json()) as { headers: Record<string, string>; body: string }[]
}

describe('Integrations', () => {
  story('an owner adds a webhook, keeps its secret, sends a test and sees it in the delivery log', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/activity`)
    await page.getByRole('link', { name: 'Integrations' }).click()
    await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor()
    await page.getByText('No webhooks yet').waitFor()
    await page.getByText('No log streams yet').waitFor()

    const box = `e2e-${Date.now()}`
    await page.getByRole('button', { name: 'Add webhook' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add a webhook' })
    // An unsafe URL is a field error.
    await dialog.getByLabel('Endpoint URL').fill('https://10.0.0.1/hook')
    await dialog.getByLabel('Server action').check()
    await dialog.getByRole('button', { name: 'Add webhook' }).click()
    await dialog.getByText(/private or reserved address/).waitFor()
    await dialog.getByLabel('Endpoint URL').fill(`${RECEIVER}/in/${box}`)
    await dialog.getByLabel('Description (optional)').fill('Our SIEM')
    await dialog.getByRole('button', { name: 'Add webhook' }).click()
    const secret = page.getByTestId('shown-secret')
    await secret.waitFor()
    assert.match((await secret.locator('code').textContent()) ?? '', /^whsec_[0-9a-f]{64}$/)
    await screenshot(page, 'integrations-secret-1280')

    const row = page.getByTestId('integration-row').first()
    await row.getByRole('button', { name: /Send a test/ }).click()
    await page.getByText(/Delivered: the receiver answered 200/).waitFor()
    const got = await received(box)
    assert.equal(got.length, 1)
    assert.equal(JSON.parse(got[0]!.body).type, 'ping')
    assert.match(got[0]!.headers['trellis-signature'] ?? '', /^t=\d+,v1=[0-9a-f]{64}$/)

    await row.getByRole('link', { name: /Delivery log/ }).click()
    const log = page.getByTestId('delivery-log')
    await log.waitFor()
    await log.getByText('Test').waitFor()
    await log.getByText('Delivered').waitFor()
    await page.getByRole('button', { name: 'I have stored it' }).click().catch(() => {})
    await screenshot(page, 'integrations-1280')
    await page.setViewportSize({ width: 375, height: 800 })
    await page.getByTestId('integration-row').first().waitFor()
    await page.getByRole('list', { name: 'Deliveries' }).getByText('Delivered').waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 375px screen`)
    await screenshot(page, 'integrations-375')
    await context.close()
  })

  story('is not offered to people without activity.export', async ({ open }) => {
    const { context, page } = await open()
    await signIn(page, 'sarah@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/activity`)
    assert.equal(await page.getByRole('link', { name: 'Integrations' }).count(), 0)
    const res = await page.goto(`/a/${acme}/activity/integrations`)
    assert.equal(res?.status(), 403)
    await context.close()
  })
})
