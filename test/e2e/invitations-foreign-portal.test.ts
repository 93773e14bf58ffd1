import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Page } from 'playwright-core'
import { accountId, BASE_URL, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

// *.localhost resolves to this machine in Chromium; the same portal answers every host.
const hostUrl = (name: string) => BASE_URL.replace('//localhost', `//${name}.localhost`)

/** Invite `email` to Acme as its signed-in owner (the API, as the Staff page does) and return the link's path. */
async function inviteToAcme(page: Page, acme: string, email: string) {
  const res = await page.request.post(`/api/v1/accounts/${acme}/invitations`, { data: { kind: 'member', email, level: 'user' }, headers: { origin: BASE_URL } })
  assert.equal(res.status(), 201, await res.text())
  const outbox = (await (await page.request.get('/api/dev/outbox')).json()) as { items: { to: string; text: string }[] }
  const match = outbox.items.find((m) => m.to === email)?.text.match(/https?:\/\/\S+\/invite\/[a-z2-7]+/)
  assert.ok(match, `an invitation email to ${email} with a link`)
  return new URL(match[0]).pathname
}

/** The acme.localhost hostname row of Acme, through the API. */
async function acmeHostname(page: Page, acme: string) {
  const list = (await (await page.request.get(`/api/v1/accounts/${acme}/hostnames`)).json()) as { items: { id: string; hostname: string; status: string }[] }
  return list.items.find((h) => h.hostname === 'acme.localhost')
}

describe('An invitation opened on another reseller’s portal', () => {
  story('sends the person to the inviting reseller’s portal, never letting them sign up under the other brand', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    // Protects against Globex's portal (its brand, its page) collecting a password for an account in Acme's tree.
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    const acme = await accountId(owner.page, 'Acme Hosting')
    const invitePath = await inviteToAcme(owner.page, acme, `guest.${Date.now()}@example.test`)

    // The person opens the link on Globex's portal (a forwarded or rewritten link).
    const person = await open()
    const response = await visit(person.page, `${hostUrl('globex')}${invitePath}`)
    const landed = new URL(person.page.url())
    assert.equal(landed.host, new URL(hostUrl('acme')).host, 'redirected to Acme’s own portal')
    assert.equal(landed.pathname, invitePath, 'the same invitation, opened at home')
    assert.equal(response?.status(), 200)
    await person.page.getByRole('heading', { level: 1, name: 'Join Acme Hosting' }).waitFor()
    assert.equal(await person.page.getByText('Globex Partners').count(), 0, 'nothing of Globex’s brand is shown')
    await screenshot(person.page, 'invitation-foreign-portal-redirected')
  })

  story('sends the person to the platform host when the inviting reseller has no verified hostname', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    const owner = await open()
    await signIn(owner.page, 'owner@acme.test')
    const acme = await accountId(owner.page, 'Acme Hosting')
    const invitePath = await inviteToAcme(owner.page, acme, `plain.${Date.now()}@example.test`)
    const seeded = await acmeHostname(owner.page, acme)
    assert.ok(seeded, 'the demo data gives Acme acme.localhost')
    const headers = { origin: BASE_URL }
    assert.equal((await owner.page.request.delete(`/api/v1/accounts/${acme}/hostnames/${seeded.id}`, { headers })).status(), 204)
    try {
      const person = await open()
      await visit(person.page, `${hostUrl('globex')}${invitePath}`)
      const landed = new URL(person.page.url())
      assert.equal(landed.host, new URL(BASE_URL).host, 'redirected to the platform host')
      assert.equal(landed.pathname, invitePath)
      await person.page.getByRole('heading', { level: 1, name: 'Join Acme Hosting' }).waitFor()
      await screenshot(person.page, 'invitation-foreign-portal-platform')
    } finally {
      // Give Acme its portal back for the other stories (the local dev switch verifies it again).
      const added = await owner.page.request.post(`/api/v1/accounts/${acme}/hostnames`, { data: { hostname: 'acme.localhost' }, headers })
      const { hostname } = (await added.json()) as { hostname: { id: string } }
      await owner.page.request.post(`/api/v1/accounts/${acme}/hostnames/${hostname.id}/dev-verify`, { headers })
      assert.equal((await acmeHostname(owner.page, acme))?.status, 'verified')
    }
  })
})
