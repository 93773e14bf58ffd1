import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { BASE_URL, pathOf, signIn, story } from './support.ts'

// acme.localhost resolves to this machine in Chromium; the same server answers it.
const ACME_URL = BASE_URL.replace('//localhost', '//acme.localhost')

describe('A branded hostname', () => {
  story('serves the same portal at acme.localhost, with a first-party session that works on that host only', async ({ open }) => {
    const { context, page } = await open({ baseURL: ACME_URL })
    await page.goto('/login')
    assert.equal(new URL(page.url()).host, new URL(ACME_URL).host, 'the browser stays on the branded host')
    await signIn(page, 'owner@acme.test')
    await page.getByRole('main').getByRole('heading', { level: 1, name: 'Acme Hosting' }).waitFor()

    const cookies = await context.cookies()
    const session = cookies.find((c) => c.name === 'trellis_session')
    assert.ok(session, 'the session cookie is set')
    assert.equal(session.domain, 'acme.localhost', 'the cookie belongs to the branded host only')
    assert.equal(session.httpOnly, true)

    // The platform host does not share that session.
    const other = await open()
    await other.page.goto('/')
    assert.equal(pathOf(other.page), '/login')
    await other.context.close()

    // A state-changing request from this page carries Origin http://acme.localhost:…; the API's
    // same-origin check accepts it only if the Host header reached the API intact.
    const status = await page.evaluate(async () => (await fetch('/api/v1/auth/logout', { method: 'POST' })).status)
    assert.equal(status, 204)
    await page.goto('/')
    assert.equal(pathOf(page), '/login', 'signed out on the branded host')
  })

  story('sends the security headers on pages: CSP with frame-ancestors none, nosniff, a referrer policy', async () => {
    const response = await fetch(`${BASE_URL.replace('localhost', '127.0.0.1')}/login`, { headers: { host: new URL(ACME_URL).host } })
    assert.equal(response.status, 200)
    const csp = response.headers.get('content-security-policy') ?? ''
    assert.match(csp, /frame-ancestors 'none'/)
    assert.match(csp, /default-src 'self'/)
    assert.match(csp, /script-src 'self'/)
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
    assert.ok(response.headers.get('referrer-policy'))
  })
})
