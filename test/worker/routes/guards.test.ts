import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { accountId, api, login, ORIGIN, problem } from '../../helpers/client.ts'

// Every route of the API, read from its own OpenAPI document, so a route added
// tomorrow is covered without touching this file.
type Doc = { paths: Record<string, Record<string, { security?: unknown; tags?: string[] }>> }
const doc = (await (await SELF.fetch(`${ORIGIN}/api/openapi.json`)).json()) as Doc

/** Routes anyone may call: signing in (and its second-factor step), password reset and email links, the portal's brand, invitation links, self sign-up, health. */
const PUBLIC = new Set([
  'POST /auth/login',
  'POST /auth/logout',
  'POST /auth/password-reset',
  'GET /auth/password-reset/{token}',
  'POST /auth/password-reset/{token}',
  'GET /auth/verify-email/{token}',
  'POST /auth/verify-email/{token}',
  // The sign-in step answers its own 401 (step_required) or 410; passwordless passkeys need no session.
  'GET /auth/step',
  'DELETE /auth/step',
  'POST /auth/step/code',
  'POST /auth/step/passkey-options',
  'POST /auth/step/passkey',
  'POST /auth/step/enrol',
  'POST /auth/step/enrol/confirm',
  'POST /auth/step/enrol/passkey-options',
  'POST /auth/step/enrol/passkey',
  'POST /auth/passkey-options',
  'POST /auth/passkey',
  'GET /brand',
  'GET /brand/logo/{accountId}/{version}',
  'GET /invitations/{token}',
  'POST /invitations/{token}/accept',
  // Self sign-up: closed unless the portal's account opened it (sign-ups.test.ts covers who may and where).
  'GET /signup',
  'POST /signup',
  'GET /signup/{token}',
  'POST /signup/{token}/complete',
  'GET /health',
])

const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path: path.replace(/^\/api\/v1/, '') })),
)
const isPublic = (op: { method: string; path: string }) => PUBLIC.has(`${op.method} ${op.path}`)
const withBody = (method: string) => !['GET', 'HEAD', 'DELETE'].includes(method)

/** A concrete URL for a documented path: the account id given, other ids made up. */
const urlOf = (path: string, account: string) =>
  path.replace('{id}', account).replace(/\{action\}/, 'restart').replace(/\{[a-zA-Z]+\}/g, 'zz_not_an_id')

/** A body no route accepts: the wrong type for every field any route reads. */
const BAD_BODY = { email: 42, name: [], level: 'emperor', roles: 'all', scope: 7, permissions: {}, enabled: 'yes', reason: 1, accountId: 5, userId: 5, types: 'all' }

describe('every route', () => {
  it('lists at least the routes of every section (the document is read)', () => {
    expect(operations.length).toBeGreaterThan(60)
    expect(operations.filter((o) => !isPublic(o)).length).toBeGreaterThan(55)
  })

  // Security: without a session nothing is validated or described — no schema leaks through a 400.
  it('answers 401 without a session, before looking at the body or the ids', async () => {
    const acme = await accountId('Acme Hosting')
    const wrong: string[] = []
    for (const op of operations.filter((o) => !isPublic(o))) {
      const res = await api(urlOf(op.path, acme), { method: op.method, ...(withBody(op.method) && { json: BAD_BODY }) })
      if (res.status !== 401 || (await problem(res)).code !== 'unauthenticated') wrong.push(`${op.method} ${op.path} → ${res.status}`)
    }
    expect(wrong).toEqual([])
  })

  // Security (rule 1): another tenant's account id answers exactly like an id that does not exist, body unread.
  it('answers 404 to a signed-in member of a sibling tenant, before looking at the body', async () => {
    const acme = await accountId('Acme Hosting')
    const cookie = await login('owner@globex.test')
    const wrong: string[] = []
    for (const op of operations.filter((o) => o.path.startsWith('/accounts/{id}'))) {
      const res = await api(urlOf(op.path, acme), { method: op.method, cookie, ...(withBody(op.method) && { json: BAD_BODY }) })
      if (res.status !== 404) wrong.push(`${op.method} ${op.path} → ${res.status}`)
    }
    expect(wrong).toEqual([])
  })

  // Security (rule 2): a member without the route's permission is refused before the body is read.
  it.each([
    ['POST', '/accounts/{id}/members', 'staff.manage'],
    ['POST', '/accounts/{id}/invitations', 'staff.manage or customers.invite'],
    ['POST', '/accounts/{id}/roles', 'roles.manage'],
    ['PUT', '/accounts/{id}/brand', 'branding.manage'],
    ['POST', '/accounts/{id}/hostnames', 'branding.manage'],
    ['POST', '/accounts/{id}/customers', 'customers.manage'],
    ['GET', '/accounts/{id}/activity', 'activity.view'],
    ['PATCH', '/accounts/{id}', 'settings.manage or staff.manage'],
    ['GET', '/accounts/{id}/roles', 'roles.view'],
    ['POST', '/accounts/{id}/tickets', 'support.contact (users never contact support)'],
  ])('answers 403 to %s %s without %s, whatever the body', async (method, path) => {
    // Tom is a user-level member of Acme with the Technical role only.
    const res = await api(urlOf(path, await accountId('Acme Hosting')), { method, cookie: await login('tom@acme.test'), ...(withBody(method) && { json: BAD_BODY }) })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('forbidden')
  })
})
