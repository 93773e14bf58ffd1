import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { accountId, BASE_URL, followEmailLink, pageOverflow, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

const ACME_URL = BASE_URL.replace('//localhost', '//acme.localhost')
const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true }

describe('Sign-up on a reseller’s portal', () => {
  story('lets a newcomer create an organisation on Acme’s portal once Acme opens sign-up, held until Acme approves it', { timeout: STORY_TIMEOUT * 3 }, async ({ open }) => {
    const run = Date.now().toString(36)
    const organisation = `Juniper Print ${run}`
    const email = `june-${run}@juniper.test`

    // Closed by default: Acme's sign-in page offers no sign-up.
    const owner = await open({ viewport: { width: 1280, height: 900 } })
    const visitor = await open({ baseURL: ACME_URL, viewport: { width: 1280, height: 900 } })
    await visit(visitor.page, '/login')
    assert.equal(await visitor.page.getByRole('link', { name: 'Create an organisation' }).count(), 0, 'no sign-up link while sign-up is off')

    // Acme's owner opens sign-up, pending approval.
    await signIn(owner.page, 'owner@acme.test')
    const acme = await accountId(owner.page, 'Acme Hosting')
    const setMode = async (label: string) => {
      await visit(owner.page, `/a/${acme}/settings`)
      await owner.page.getByLabel('Self sign-up').selectOption({ label })
      await owner.page.locator('form', { has: owner.page.getByLabel('Self sign-up') }).getByRole('button', { name: 'Save' }).click()
      await owner.page.getByRole('status').getByText('Sign-up setting saved').waitFor()
    }
    await setMode('On, pending your approval')

    try {
      // The newcomer signs up on Acme's own host.
      await visit(visitor.page, '/login')
      await visitor.page.getByRole('link', { name: 'Create an organisation' }).click()
      await visitor.page.waitForURL('**/signup')
      await visitor.page.getByText('reviews new organisations before they can sign in').waitFor()
      await visitor.page.getByLabel('Your name').fill('June Park')
      await visitor.page.getByLabel('Organisation name').fill(organisation)
      await visitor.page.getByLabel('Work email').fill(email)
      await visitor.page.getByLabel('Password').fill('quiet-harbour-lantern-88')
      await screenshot(visitor.page, 'sign-up-form')
      await visitor.page.getByRole('button', { name: 'Sign up' }).click()
      await visitor.page.getByRole('heading', { name: 'Check your inbox' }).waitFor()

      // Nothing exists until the email link is confirmed.
      await visit(owner.page, `/a/${acme}/customers`)
      assert.equal(await owner.page.getByText(organisation).count(), 0, 'no organisation before the email is confirmed')

      const finish = await followEmailLink(visitor.context, visitor.page, email, /Finish signing up/)
      assert.equal(new URL(finish.url()).host, new URL(ACME_URL).host, 'the link opens on Acme’s portal')
      await finish.getByText(organisation).waitFor()
      await finish.getByRole('button', { name: 'Confirm and finish' }).click()
      await finish.getByRole('heading', { name: 'Waiting for approval' }).waitFor()
      await finish.getByTestId('signup-waiting').getByText(`Your email is confirmed and ${organisation} is created. Acme Hosting reviews it`).waitFor()
      await screenshot(finish, 'sign-up-waiting')

      // Held: the new owner cannot sign in yet.
      await finish.goto('/login')
      await finish.getByLabel('Email').fill(email)
      await finish.getByLabel('Password').fill('quiet-harbour-lantern-88')
      await finish.getByRole('button', { name: 'Sign in', exact: true }).click()
      await finish.getByRole('alert').getByText('Waiting for Acme Hosting to approve the sign-up.').waitFor()
      assert.match(new URL(finish.url()).pathname, /^\/login/, 'still on the sign-in page')

      // Acme approves it from its Customers page.
      await visit(owner.page, `/a/${acme}/customers`)
      const waiting = owner.page.getByTestId('pending-signups')
      await waiting.getByText(organisation).waitFor()
      await screenshot(owner.page, 'sign-up-approval')
      await waiting.getByRole('button', { name: `Approve ${organisation}` }).click()
      await owner.page.getByRole('status').getByText('Approved').waitFor()

      // Now the newcomer signs in on Acme's portal and lands in their organisation.
      await finish.getByLabel('Password').fill('quiet-harbour-lantern-88')
      await finish.getByRole('button', { name: 'Sign in', exact: true }).click()
      await finish.waitForURL(/\/a\/[^/]+$/)
      await finish.getByRole('main').getByRole('heading', { level: 1, name: organisation }).waitFor()

      // A visitor who reads French (here on a phone) gets the same form and the same step, in French.
      const french = await open({ ...PHONE, baseURL: ACME_URL })
      await french.context.addCookies([{ name: 'trellis-lang', value: 'fr', url: ACME_URL }])
      await visit(french.page, '/login')
      await french.page.getByRole('link', { name: 'Créer une organisation' }).click()
      await french.page.waitForURL('**/signup')
      await french.page.getByRole('heading', { name: 'Créez votre organisation' }).waitFor()
      await french.page.getByText('examine les nouvelles organisations avant qu’elles puissent se connecter').waitFor()
      await french.page.getByLabel('Votre nom').fill('Jeanne Parc')
      await french.page.getByLabel('Nom de l’organisation').fill(`Imprimerie Genièvre ${run}`)
      await french.page.getByLabel('E-mail professionnel').fill(`jeanne-${run}@genievre.test`)
      await french.page.getByLabel('Mot de passe', { exact: true }).fill('quiet-harbour-lantern-88')
      assert.equal(await pageOverflow(french.page), 0, 'the sign-up page fits 375 px')
      await screenshot(french.page, 'sign-up-phone-fr')
      await french.page.getByRole('button', { name: 'S’inscrire' }).click()
      await french.page.getByRole('heading', { name: 'Consultez votre boîte de réception' }).waitFor()
      await french.page.getByText(`Nous avons envoyé un lien à jeanne-${run}@genievre.test`).waitFor()
      assert.equal(await pageOverflow(french.page), 0, 'the inbox step fits 375 px')
      await screenshot(french.page, 'sign-up-sent-phone-fr')
      await french.context.close()

      // Put the demo back: the organisation goes (restorable for 30 days, like any deleted customer).
      const customers = (await owner.page.request.get(`/api/v1/accounts/${acme}/customers`).then((r) => r.json())) as { items: { id: string; name: string }[] }
      const created = customers.items.find((c) => c.name === organisation)
      assert.ok(created, 'the approved organisation is one of Acme’s customers')
      const removed = await owner.page.request.delete(`/api/v1/accounts/${acme}/customers/${created.id}`, { headers: { origin: BASE_URL } })
      assert.equal(removed.status(), 200)
    } finally {
      await setMode('Off: people join only by invitation')
    }
  })
})
