import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { accountId, followEmailLink, pageOverflow, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

describe('A customer’s verified email domain', () => {
  story('lets Bluebird verify its team’s domain, so a person Acme invites at that domain joins Bluebird instead of opening a new organisation', { timeout: STORY_TIMEOUT * 3 }, async ({ open }) => {
    const run = Date.now().toString(36)
    const domain = `bluebird-team-${run}.test`
    const email = `kim@${domain}`

    // Bluebird's owner adds the domain, people joining at once, and verifies it.
    const bluebirdOwner = await open({ viewport: { width: 1280, height: 900 } })
    await signIn(bluebirdOwner.page, 'owner@bluebird.test')
    const bluebird = await accountId(bluebirdOwner.page, 'Bluebird Bakery')
    await visit(bluebirdOwner.page, `/a/${bluebird}/settings`)
    const card = bluebirdOwner.page.getByRole('main')
    await card.getByLabel('Domain', { exact: true }).fill(domain)
    await card.getByLabel('People at it').selectOption({ label: 'Join at once' })
    await card.getByRole('button', { name: 'Add domain' }).click()
    const row = card.getByTestId('email-domain').filter({ hasText: domain })
    await row.getByText('Pending').waitFor()
    await row.getByText(`_trellis.${domain}`).waitFor()
    await row.getByRole('button', { name: 'Mark verified (dev)' }).click()
    await row.getByText('Verified').waitFor()
    await screenshot(bluebirdOwner.page, 'email-domain-verified')

    try {
      // Acme invites a prospect at that domain.
      const acmeOwner = await open({ viewport: { width: 1280, height: 900 } })
      await signIn(acmeOwner.page, 'owner@acme.test')
      const acme = await accountId(acmeOwner.page, 'Acme Hosting')
      await visit(acmeOwner.page, `/a/${acme}/customers`)
      await acmeOwner.page.getByRole('main').getByRole('button', { name: 'Invite a customer' }).click()
      const dialog = acmeOwner.page.getByRole('dialog', { name: 'Invite a customer' })
      await dialog.getByLabel('Email').fill(email)
      await dialog.getByRole('button', { name: 'Send invitation' }).click()
      await acmeOwner.page.getByRole('status').getByText(`Invitation sent to ${email}`).waitFor()

      // The invitation says where they will land, and accepting puts them in Bluebird as a user.
      const prospect = await open({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })
      const invite = await followEmailLink(prospect.context, prospect.page, email, /Create your account/)
      await invite.getByTestId('invite-joins').getByText('Bluebird Bakery verified the domain of your email').waitFor()
      await invite.getByRole('heading', { level: 1, name: 'Join Bluebird Bakery' }).waitFor()
      await invite.getByText('A user of Bluebird Bakery').waitFor()
      assert.equal(await invite.getByLabel('Organisation name').count(), 0, 'no organisation to name: they join one')
      assert.equal(await pageOverflow(invite), 0, 'the invitation fits 375 px')
      await screenshot(invite, 'email-domain-invite-joins')
      await invite.getByLabel('Your name').fill('Kim Tanaka')
      await invite.getByLabel('Choose a password').fill('amber-orchard-signal-27')
      await invite.getByRole('button', { name: 'Create login and join' }).click()
      await invite.waitForURL(/\/a\/[^/]+$/)
      await invite.getByRole('main').getByRole('heading', { level: 1, name: 'Bluebird Bakery' }).waitFor()

      // Bluebird's people now include Kim, as a user, on its Staff page too.
      const members = (await bluebirdOwner.page.request.get(`/api/v1/accounts/${bluebird}/members`).then((r) => r.json())) as { items: { id: string; user: { email: string }; level: string }[] }
      const kim = members.items.find((m) => m.user.email === email)
      assert.equal(kim?.level, 'user', 'Kim joined as a user')
      await visit(bluebirdOwner.page, `/a/${bluebird}/staff`)
      await screenshot(bluebirdOwner.page, 'email-domain-staff')
      await bluebirdOwner.page.locator(`[data-member="${email}"]`).first().waitFor()

      // Put the demo back: Kim leaves Bluebird.
      const removed = await bluebirdOwner.page.request.delete(`/api/v1/accounts/${bluebird}/members/${kim.id}`, { headers: { origin: new URL(bluebirdOwner.page.url()).origin } })
      assert.ok(removed.ok(), `removing Kim answered ${removed.status()}`)
    } finally {
      // …and the domain goes.
      await visit(bluebirdOwner.page, `/a/${bluebird}/settings`)
      await card.getByTestId('email-domain').filter({ hasText: domain }).getByRole('button', { name: 'Remove' }).click()
      await bluebirdOwner.page.getByRole('alertdialog', { name: `Remove ${domain}?` }).getByRole('button', { name: 'Remove' }).click()
      await bluebirdOwner.page.getByRole('status').getByText('Domain removed').waitFor()
    }
  })
})
