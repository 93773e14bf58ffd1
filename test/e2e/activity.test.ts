import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe } from 'node:test'
import type { Page } from 'playwright-core'
import { accountId, BASE_URL, pageOverflow, pathOf, screenshot, signIn, story, visit } from './support.ts'

/** The events the Activity list shows, as `data-*` facts, newest first. */
async function events(page: Page): Promise<{ type: string; actor: string; text: string }[]> {
  return page
    .getByRole('main')
    .locator('li[data-event]')
    .evaluateAll((rows) =>
      rows.map((row) => ({
        type: row.getAttribute('data-type') ?? '',
        actor: row.getAttribute('data-actor') ?? '',
        text: (row as HTMLElement).innerText,
      })),
    )
}

describe('The Activity page', () => {
  story('shows the owner of Acme the service Sarah adds in another browser, live, without a reload', async ({ open }) => {
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    const acme = await accountId(owner.page, 'Acme Hosting')
    await owner.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activity' }).click()
    await owner.page.waitForURL(`**/a/${acme}/activity`)
    const main = owner.page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'Activity' }).waitFor()
    await main.getByText('Everything that happens in Acme Hosting and the accounts below it').waitFor()
    assert.equal(await owner.page.title(), 'Activity · Acme Hosting · Nimbus Cloud')
    // Live is on, and connected.
    assert.equal(await main.getByRole('button', { name: 'Live' }).getAttribute('aria-pressed'), 'true')
    await main.getByTestId('live-state').getByText('Live — new events appear here').waitFor()
    // The owner's own sign-in is there already.
    await main.locator('li[data-type="login"][data-actor="owner@acme.test"]').first().waitFor()

    // Sarah, in her own browser, adds a managed server through the Services page.
    const sarah = await open()
    await signIn(sarah.page, 'sarah@acme.test')
    await visit(sarah.page, `/a/${acme}/services`)
    await sarah.page.getByRole('main').getByRole('button', { name: 'New service' }).click()
    const dialog = sarah.page.getByRole('dialog', { name: 'New service' })
    await dialog.getByLabel('Type').selectOption('server')
    const name = `acme-live-${Date.now().toString(36)}`
    await dialog.getByLabel('Name').fill(name)
    await dialog.getByLabel('Tags', { exact: true }).fill('managed')
    await dialog.getByRole('button', { name: 'Create service' }).click()
    await sarah.page.waitForURL(/\/services\/svc_[a-z0-9]+$/)
    const serviceId = pathOf(sarah.page).split('/').at(-1)!

    // The owner's list shows it on top, without a reload, once.
    const row = main.locator('li[data-type="service_created"]').filter({ hasText: name })
    await row.waitFor()
    assert.match(await row.innerText(), /Service created[\s\S]*Sarah Chen[\s\S]*just now/)
    const first = (await events(owner.page))[0]
    assert.equal(first?.type, 'service_created', 'the new event is the newest in the list')
    assert.equal(await row.count(), 1, 'shown once')
    await screenshot(owner.page, 'activity')

    // Tidy up: Tom's story counts the managed services.
    const removed = await sarah.page.request.delete(`/api/v1/accounts/${acme}/services/${serviceId}`, { headers: { origin: BASE_URL } })
    assert.equal(removed.status(), 204)
    await main.locator('li[data-type="service_deleted"]').filter({ hasText: name }).waitFor()
    assert.equal(await row.count(), 1, 'still shown once after more events arrive')
  })

  story('narrows the owner’s list to Sarah’s events with the Login filter, in the address', async ({ open }) => {
    // Sarah signs in, so her events are in the log.
    const sarah = await open()
    await signIn(sarah.page, 'sarah@acme.test')
    await sarah.context.close()

    const { context, page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/activity`)
    const main = page.getByRole('main')
    await main.locator('li[data-event]').first().waitFor()
    const everyone = new Set((await events(page)).map((e) => e.actor))
    assert.ok(everyone.has('owner@acme.test') && everyone.has('sarah@acme.test'), `both are in the list (got ${[...everyone].join(', ')})`)

    const login = main.getByRole('combobox', { name: 'Login' })
    await login.fill('sarah@acme.test')
    await login.press('Enter')
    await page.waitForURL(/[?&]actor=sarah%40acme\.test/)
    await page.waitForFunction(() =>
      [...document.querySelectorAll('main li[data-event]')].every((row) => row.getAttribute('data-actor') === 'sarah@acme.test'),
    )
    const hers = await events(page)
    assert.ok(hers.length >= 1, 'Sarah has events')
    assert.ok(hers.every((e) => e.actor === 'sarah@acme.test'), 'only Sarah’s')

    // The same address in a fresh page shows the same list.
    const other = await context.newPage()
    await visit(other, page.url())
    assert.equal(await other.getByRole('main').getByRole('combobox', { name: 'Login' }).inputValue(), 'sarah@acme.test')
    assert.ok((await events(other)).every((e) => e.actor === 'sarah@acme.test'))
    await other.close()

    // A login with no events says so.
    await login.fill('nobody@acme.test')
    await login.press('Enter')
    await main.getByRole('heading', { name: 'No activity matches these filters' }).waitFor()
  })

  story('filters by type without JavaScript too: the filters are a plain GET form', async ({ open }) => {
    const { page } = await open({ javaScriptEnabled: false })
    await page.goto('/login')
    await page.getByLabel('Email').fill('owner@acme.test')
    await page.getByLabel('Password').fill('trellis-demo')
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForURL(/\/a\/[^/]+$/)
    await page.goto(`${pathOf(page)}/activity`)
    const main = page.getByRole('main')
    const types = main.locator('summary').filter({ hasText: 'All types' })
    await types.click()
    await main.getByRole('checkbox', { name: 'Signed in', exact: true }).check()
    await types.click()
    await main.getByRole('button', { name: 'Apply filters' }).click()
    await page.waitForURL(/type=login/)
    const listed = await events(page)
    assert.ok(listed.length >= 1)
    assert.ok(listed.every((e) => e.type === 'login'), `only sign-ins (got ${listed.map((e) => e.type).join(', ')})`)
    assert.equal(await main.locator('summary').innerText(), 'Signed in')
  })

  story('exports the owner’s activity as CSV with the documented header row', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/activity`)
    await page.getByRole('main').getByRole('button', { name: 'Export' }).click()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: /^CSV/ }).click()])
    assert.equal(download.suggestedFilename(), 'activity.csv')
    const text = await readFile(await download.path(), 'utf8')
    assert.equal(
      text.split(/\r?\n/)[0],
      'id,time,account_id,type,kind,actor_email,impersonator_email,subject_email,target_kind,target_id,target_label,description,ip,user_agent',
    )
    assert.match(text, /owner@acme\.test signed in/)
  })

  story('verifies the log’s integrity and offers no export to Sarah, who may only view', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'sarah@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/activity`)
    const main = page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'Activity' }).waitFor()
    assert.equal(await main.getByRole('button', { name: 'Export' }).count(), 0, 'Customer care has no activity.export')
    await main.getByRole('button', { name: 'Verify integrity' }).click()
    await main.getByTestId('verification').getByText(/^All [\d,]+ events of this log verify$/).waitFor()
  })

  story('lists Grace’s newest 50 events of Globex and loads older ones on demand, without repeats', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@globex.test')
    const globex = await accountId(page, 'Globex Partners')
    // A busy log: synthetic events through the local-only dev tools (npm start and the tests turn them on).
    const seeded = await page.request.post('/api/dev/activity/burst', {
      headers: { origin: BASE_URL },
      data: { accountId: globex, count: 130, batch: 50 },
    })
    assert.equal(seeded.status(), 200, await seeded.text())
    await visit(page, `/a/${globex}/activity`)
    const main = page.getByRole('main')
    await main.getByText('50 events so far').waitFor()
    await main.getByRole('link', { name: 'Load more' }).click()
    await main.getByText('100 events so far').waitFor()
    const ids = await main.locator('li[data-event]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event')))
    assert.equal(new Set(ids).size, ids.length, 'no event is listed twice')
    // Focus moves to the first event that arrived, so keyboard users carry on from there.
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-event')), ids[50])
    await main.getByRole('img', { name: /^Events per hour, last 24 hours: [\d,]+ actions/ }).waitFor()
  })

  story('is not open to Billie, whose role has no activity', async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'billie@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    const response = await visit(page, `/a/${acme}/activity`)
    assert.equal(response?.status(), 403)
    await page.getByText('Your role in Acme Hosting does not include Activity.').waitFor()
  })

  story('fits a 375 px screen', async ({ open }) => {
    const { page } = await open({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/activity?views=1`)
    const main = page.getByRole('main')
    await main.locator('li[data-kind="page_view"]').first().waitFor()
    await main.getByRole('img', { name: /^Events per hour/ }).waitFor()
    assert.equal(await pageOverflow(page), 0, 'nothing is wider than the screen')
    await screenshot(page, 'activity-375')
  })
})
