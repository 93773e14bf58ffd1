import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Page } from 'playwright-core'
import { accountId, BASE_URL, pageOverflow, screenshot, signIn, story, visit } from './support.ts'

/** Console errors and uncaught exceptions of a page, collected as they happen. */
function consoleErrors(page: Page) {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(String(error)))
  return errors
}

/** Wait until someone is no longer among the people the top bar shows online. */
async function offline(page: Page, name: string) {
  for (let i = 0; i < 100; i++) {
    const trigger = page.getByTestId('presence')
    const label = (await trigger.count()) ? ((await trigger.getAttribute('aria-label')) ?? '') : ''
    if (!label.includes(name)) return
    await page.waitForTimeout(100)
  }
  assert.fail(`${name} is still shown online`)
}

/** Open the top bar's list of who else is online and return the line of one person. */
async function presenceOf(page: Page, email: string) {
  const trigger = page.getByTestId('presence')
  await trigger.waitFor()
  if ((await trigger.getAttribute('aria-expanded')) !== 'true') await trigger.click()
  const person = page.getByRole('list', { name: 'People online' }).locator(`li[data-person="${email}"]`)
  await person.waitFor()
  return person
}

describe('Live pages', () => {
  story('show the owner and Sarah of Acme each other in the top bar, with the page each is on', async ({ open }) => {
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    const acme = await accountId(owner.page, 'Acme Hosting')
    await visit(owner.page, `/a/${acme}/services`)

    const sarah = await open()
    await signIn(sarah.page, 'sarah@acme.test')
    await visit(sarah.page, `/a/${acme}/staff`)

    // Each sees the other, named in the trigger and with their page in the list; nobody sees themself.
    await owner.page.getByRole('button', { name: /other person online: Sarah Chen/ }).waitFor()
    await sarah.page.getByRole('button', { name: /other person online: Alex Moreno/ }).waitFor()
    const seenBySarah = await presenceOf(sarah.page, 'owner@acme.test')
    assert.match(await seenBySarah.innerText(), /Alex Moreno[\s\S]*Services/)
    const seenByOwner = await presenceOf(owner.page, 'sarah@acme.test')
    assert.match(await seenByOwner.innerText(), /Sarah Chen[\s\S]*Staff/)
    assert.equal(await owner.page.locator('li[data-person="owner@acme.test"]').count(), 0, 'the owner is not listed to himself')

    // Sarah opens a service inside the app: the owner's list follows her there.
    await owner.page.keyboard.press('Escape')
    await sarah.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services' }).click()
    await sarah.page.getByRole('main').locator('table').getByRole('link', { name: 'acme-control-01' }).click()
    await sarah.page.getByRole('main').getByRole('heading', { level: 1, name: 'acme-control-01' }).waitFor()
    const followed = await presenceOf(owner.page, 'sarah@acme.test')
    await followed.getByText('Services › acme-control-01', { exact: true }).waitFor()
    await screenshot(owner.page, 'presence')

    // Keyboard: the list opens from the trigger with Enter and closes with Escape.
    await owner.page.keyboard.press('Escape')
    await owner.page.getByTestId('presence').focus()
    await owner.page.keyboard.press('Enter')
    await owner.page.getByRole('list', { name: 'People online' }).waitFor()
    await owner.page.keyboard.press('Escape')
    await owner.page.getByRole('list', { name: 'People online' }).waitFor({ state: 'hidden' })

    // When Sarah leaves, she is gone from the owner's top bar.
    await sarah.context.close()
    await owner.page.getByTestId('presence').waitFor({ state: 'detached' })
  })

  story('show a count instead of faces on a 375 px screen', async ({ open }) => {
    const owner = await open({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })
    await signIn(owner.page, 'owner@acme.test')
    const acme = await accountId(owner.page, 'Acme Hosting')
    const sarah = await open()
    await signIn(sarah.page, 'sarah@acme.test')
    await visit(sarah.page, `/a/${acme}/roles`)
    const trigger = owner.page.getByTestId('presence')
    await trigger.waitFor()
    assert.equal((await trigger.innerText()).trim(), '1')
    assert.equal(await pageOverflow(owner.page), 0)
    const seen = await presenceOf(owner.page, 'sarah@acme.test')
    await seen.getByText('Roles', { exact: true }).waitFor()
  })

  story('refresh the owner’s Staff table when Sarah changes or removes a member elsewhere, and say it was her', async ({ open }) => {
    // Kai joins Acme the only way there is: Sarah invites him and he accepts the emailed link (through the API here).
    const sarah = await open()
    await signIn(sarah.page, 'sarah@acme.test')
    const acme = await accountId(sarah.page, 'Acme Hosting')
    const email = `kai.${Date.now()}@acme.test`
    const invited = await sarah.page.request.post(`/api/v1/accounts/${acme}/members`, {
      headers: { origin: BASE_URL },
      data: { email, level: 'user', roles: [], scope: { mode: 'none' } },
    })
    assert.equal(invited.status(), 201)
    const outbox = (await (await sarah.page.request.get('/api/dev/outbox')).json()) as { items: { to: string; text: string }[] }
    const token = outbox.items.find((m) => m.to === email)?.text.match(/\/invite\/([^\s/]+)/)?.[1]
    assert.ok(token, `an invitation email to ${email} with a link`)
    const kai = await open()
    const accepted = await kai.page.request.post(`/api/v1/invitations/${token}/accept`, {
      headers: { origin: BASE_URL },
      data: { name: 'Kai Live', password: 'plum-orchard-lantern-42' },
    })
    assert.equal(accepted.status(), 201)
    await kai.context.close()
    const members = (await (await sarah.page.request.get(`/api/v1/accounts/${acme}/members`)).json()) as { items: { id: string; user: { email: string } }[] }
    const memberId = members.items.find((m) => m.user.email === email)?.id
    assert.ok(memberId, 'Kai is a member')

    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    await visit(owner.page, `/a/${acme}/staff`)
    const main = owner.page.getByRole('main')
    const row = main.locator(`tr[data-member="${email}"]`)
    await row.waitFor()
    assert.match(await row.innerText(), /Kai Live[\s\S]*User[\s\S]*No services/)

    // Sarah widens Kai's scope from her own session: the owner's row follows without a reload, and a notice names Sarah.
    const changed = await sarah.page.request.patch(`/api/v1/accounts/${acme}/members/${memberId}`, {
      headers: { origin: BASE_URL },
      data: { scope: { mode: 'all' } },
    })
    assert.equal(changed.status(), 200)
    await row.getByText('All services').waitFor()
    await owner.page.getByRole('status').getByText(`sarah@acme.test changed the access of ${email}`).waitFor()

    // Sarah removes Kai again: the row goes, with its own notice.
    const removed = await sarah.page.request.delete(`/api/v1/accounts/${acme}/members/${memberId}`, { headers: { origin: BASE_URL } })
    assert.equal(removed.status(), 204)
    await row.waitFor({ state: 'detached' })
    await owner.page.getByRole('status').getByText(`sarah@acme.test removed ${email} from the staff`).waitFor()
  })

  story('stop updating Tom’s page when his session is signed out elsewhere, and say so with a way to sign in again', async ({ open }) => {
    const tom = await open()
    const errors = consoleErrors(tom.page)
    await signIn(tom.page, 'tom@acme.test')
    const acme = await accountId(tom.page, 'Acme Hosting')
    await visit(tom.page, `/a/${acme}/services`)
    await tom.page.getByRole('main').getByRole('heading', { level: 1, name: 'Services' }).waitFor()
    // Connected: the owner sees Tom online.
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    await visit(owner.page, `/a/${acme}`)
    await owner.page.getByRole('button', { name: /online: .*Tom Becker/ }).waitFor()

    // The same session signs out from another tab (here: its API call with the same cookie).
    const out = await tom.page.request.post('/api/v1/auth/logout', { headers: { origin: BASE_URL } })
    assert.equal(out.status(), 204)
    const notice = tom.page.getByTestId('live-ended')
    await notice.waitFor()
    assert.match(await notice.innerText(), /You have been signed out/)
    const again = notice.getByRole('link', { name: 'Sign in again' })
    assert.equal(await again.getAttribute('href'), `/login?next=${encodeURIComponent(`/a/${acme}/services`)}`)
    await screenshot(tom.page, 'live-signed-out')
    // Tom is no longer online on the owner's side.
    await offline(owner.page, 'Tom Becker')
    assert.deepEqual(errors, [], 'no console errors')
  })

  story('follow a member’s new rights at once, and tell them when they are removed', async ({ open }) => {
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    const acme = await accountId(owner.page, 'Acme Hosting')
    await visit(owner.page, `/a/${acme}`)
    const email = `robin.${Date.now()}@acme.test`
    const password = 'plum-orchard-lantern-42'
    // Robin joins Acme as a user without roles: invited, and accepting the emailed link.
    const invited = await owner.page.request.post(`/api/v1/accounts/${acme}/invitations`, {
      headers: { origin: BASE_URL },
      data: { kind: 'member', email, level: 'user', roleIds: [], scope: { mode: 'all' } },
    })
    assert.equal(invited.status(), 201)
    const outbox = (await (await owner.page.request.get('/api/dev/outbox')).json()) as { items: { to: string; text: string }[] }
    const token = outbox.items.find((m) => m.to === email)?.text.match(/\/invite\/([^\s/?#]+)/)?.[1]
    assert.ok(token, `an invitation email to ${email}`)
    const link = await open()
    const accepted = await link.page.request.post(`/api/v1/invitations/${token}/accept`, { headers: { origin: BASE_URL }, data: { name: 'Robin Live', password } })
    assert.equal(accepted.status(), 201)
    await link.context.close()
    const members = (await (await owner.page.request.get(`/api/v1/accounts/${acme}/members`)).json()) as { items: { id: string; user: { email: string } }[] }
    const memberId = members.items.find((m) => m.user.email === email)?.id ?? ''

    const robin = await open()
    const errors = consoleErrors(robin.page)
    await signIn(robin.page, email, password)
    await visit(robin.page, `/a/${acme}`)
    const menu = robin.page.getByRole('navigation', { name: 'Main' })
    await menu.getByRole('link', { name: 'Dashboard' }).waitFor()
    assert.equal(await menu.getByRole('link', { name: 'Services' }).count(), 0, 'no Services without a role')
    await owner.page.getByRole('button', { name: /online: .*Robin Live/ }).waitFor()

    // The owner gives Robin the Technical role: Robin's menu gains Services without a reload.
    const granted = await owner.page.request.patch(`/api/v1/accounts/${acme}/members/${memberId}`, { headers: { origin: BASE_URL }, data: { roles: ['technical'] } })
    assert.equal(granted.status(), 200)
    await menu.getByRole('link', { name: 'Services' }).waitFor()
    // …and the live connection came back (the owner sees Robin again).
    await owner.page.getByRole('button', { name: /online: .*Robin Live/ }).waitFor()

    // The owner removes Robin: the page stops updating and says why.
    const removed = await owner.page.request.delete(`/api/v1/accounts/${acme}/members/${memberId}`, { headers: { origin: BASE_URL } })
    assert.equal(removed.status(), 204)
    const notice = robin.page.getByTestId('live-ended')
    await notice.waitFor()
    assert.match(await notice.innerText(), /Your access to Acme Hosting has ended/)
    await notice.getByRole('link', { name: 'Go to your accounts' }).waitFor()
    await screenshot(robin.page, 'live-access-ended')
    await offline(owner.page, 'Robin Live')
    assert.deepEqual(errors, [], 'no console errors')
  })

  story('keep what a member is typing when a change elsewhere refreshes the page under them', async ({ open }) => {
    const owner = await open()
    await signIn(owner.page, 'owner@driftwood.test')
    const driftwood = await accountId(owner.page, 'Driftwood Dental')
    const email = `rowan.${Date.now()}@driftwood.test`
    const password = 'plum-orchard-lantern-42'
    // Rowan joins Driftwood as an admin who may change its settings and roles.
    const invited = await owner.page.request.post(`/api/v1/accounts/${driftwood}/invitations`, {
      headers: { origin: BASE_URL },
      data: { kind: 'member', email, level: 'admin', roleIds: ['account-owner'], scope: { mode: 'all' } },
    })
    assert.equal(invited.status(), 201)
    const outbox = (await (await owner.page.request.get('/api/dev/outbox')).json()) as { items: { to: string; text: string }[] }
    const token = outbox.items.find((m) => m.to === email)?.text.match(/\/invite\/([^\s/?#]+)/)?.[1]
    assert.ok(token, `an invitation email to ${email}`)
    const link = await open()
    const accepted = await link.page.request.post(`/api/v1/invitations/${token}/accept`, { headers: { origin: BASE_URL }, data: { name: 'Rowan Live', password } })
    assert.equal(accepted.status(), 201)
    await link.context.close()
    const members = (await (await owner.page.request.get(`/api/v1/accounts/${driftwood}/members`)).json()) as { items: { id: string; user: { email: string } }[] }
    const memberId = members.items.find((m) => m.user.email === email)?.id ?? ''
    assert.ok(memberId, 'Rowan is a member')
    /** The owner changes Rowan's access from her own session; resolves once Rowan's page has reloaded its data. */
    async function changeRowansAccess(page: Page, scope: { mode: 'all' | 'none' }) {
      const refreshed = page.waitForResponse((response) => response.url().includes('/__data.json') && response.url().includes('x-sveltekit-invalidated'))
      const changed = await owner.page.request.patch(`/api/v1/accounts/${driftwood}/members/${memberId}`, { headers: { origin: BASE_URL }, data: { scope } })
      assert.equal(changed.status(), 200)
      await refreshed
    }

    try {
      const rowan = await open()
      const errors = consoleErrors(rowan.page)
      await signIn(rowan.page, email, password)
      const main = rowan.page.getByRole('main')

      // Settings: Rowan is renaming the account when the refresh comes; the name typed stays, unsaved.
      await visit(rowan.page, `/a/${driftwood}/settings`)
      const name = main.getByLabel('Account name')
      await name.click()
      await name.press('End')
      await name.pressSequentially(' Clinic')
      await changeRowansAccess(rowan.page, { mode: 'none' })
      await main.getByRole('button', { name: 'Save name' }).waitFor()
      assert.equal(await name.inputValue(), 'Driftwood Dental Clinic', 'the name being typed survives the refresh')
      assert.equal(await main.getByRole('button', { name: 'Save name' }).isEnabled(), true, 'and can still be saved')

      // A new role: its name, description and ticked permissions stay through a refresh too.
      await visit(rowan.page, `/a/${driftwood}/roles/new`)
      await main.getByLabel('Name', { exact: true }).fill('Front desk')
      await main.getByLabel('Description').fill('Greets visitors')
      const servicesView = main.getByRole('group', { name: 'Services' }).getByRole('checkbox', { name: 'View' })
      await servicesView.check()
      await changeRowansAccess(rowan.page, { mode: 'all' })
      assert.equal(await main.getByLabel('Name', { exact: true }).inputValue(), 'Front desk')
      assert.equal(await main.getByLabel('Description').inputValue(), 'Greets visitors')
      assert.equal(await servicesView.isChecked(), true)
      await screenshot(rowan.page, 'live-kept-edit')
      assert.deepEqual(errors, [], 'no console errors')
    } finally {
      // Driftwood's staff as it was.
      await owner.page.request.delete(`/api/v1/accounts/${driftwood}/members/${memberId}`, { headers: { origin: BASE_URL } })
    }
  })

  // SvelteKit asks the server for the route before it says it is navigating; a refresh started in that gap used to
  // abort the navigation and leave the page on its skeleton for good. Here the route's answer is held back 3 s, so
  // Sarah's own change arrives live while her redirect to the new service is still on its way.
  story('bring Sarah to the service she created when the page is slow to come and her own change arrives live on the way', async ({ open }) => {
    const sarah = await open()
    await signIn(sarah.page, 'sarah@acme.test')
    const acme = await accountId(sarah.page, 'Acme Hosting')
    await visit(sarah.page, `/a/${acme}/services`)
    await sarah.page.route('**/__route.js', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 3000))
      await route.continue()
    })
    await sarah.page.getByRole('main').getByRole('button', { name: 'New service' }).click()
    const dialog = sarah.page.getByRole('dialog', { name: 'New service' })
    const name = `acme-slow-${Date.now().toString(36)}`
    await dialog.getByLabel('Type').selectOption('server')
    await dialog.getByLabel('Name').fill(name)
    await dialog.getByRole('button', { name: 'Create service' }).click()
    await sarah.page.waitForURL(/\/services\/svc_[a-z0-9]+$/, { timeout: 30_000 })
    await sarah.page.getByRole('main').getByRole('heading', { level: 1, name }).waitFor()
    await sarah.page.unroute('**/__route.js')
    const serviceId = new URL(sarah.page.url()).pathname.split('/').at(-1)!
    const removed = await sarah.page.request.delete(`/api/v1/accounts/${acme}/services/${serviceId}`, { headers: { origin: BASE_URL } })
    assert.equal(removed.status(), 204)
  })

  story('bring Sarah to the service she clicked when the page is slow to come and someone else’s change arrives on the way', async ({ open }) => {
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    const acme = await accountId(owner.page, 'Acme Hosting')
    const sarah = await open()
    await signIn(sarah.page, 'sarah@acme.test')
    await visit(sarah.page, `/a/${acme}/services`)
    await sarah.page.route('**/__route.js', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 3000))
      await route.continue()
    })
    const main = sarah.page.getByRole('main')
    const link = main.getByRole('link').and(main.locator('a[href*="/services/svc_"]')).first()
    const href = (await link.getAttribute('href'))!
    await link.click()
    // While Sarah's page asks for its route, the owner adds a service: her list would refresh now.
    const created = await owner.page.request.post(`/api/v1/accounts/${acme}/services`, { headers: { origin: BASE_URL }, data: { name: `slow-${Date.now().toString(36)}.example`, type: 'domain' } })
    assert.equal(created.status(), 201)
    await sarah.page.waitForURL((url) => url.pathname === href, { timeout: 30_000 })
    await sarah.page.getByRole('main').getByRole('heading', { level: 1 }).waitFor()
    await sarah.page.unroute('**/__route.js')
    const { service } = (await created.json()) as { service: { id: string } }
    assert.equal((await owner.page.request.delete(`/api/v1/accounts/${acme}/services/${service.id}`, { headers: { origin: BASE_URL } })).status(), 204)
  })
})
