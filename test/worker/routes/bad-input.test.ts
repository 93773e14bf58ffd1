import { SELF } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { errorCodes } from '../../../worker/src/errors.ts'
import { accountId, api, login, ORIGIN, problem } from '../../helpers/client.ts'

const rawLogin = (body: BodyInit, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  SELF.fetch(`${ORIGIN}/api/v1/auth/login`, { method: 'POST', headers: { origin: ORIGIN, 'x-trellis-client-ip': '10.7.0.1', ...headers }, body })

describe('bad input on POST /api/v1/auth/login', () => {
  it('answers malformed JSON with 400 problem+json', async () => {
    const res = await rawLogin('{"email": "owner@acme.test", ')
    expect(res.status).toBe(400)
    const body = await problem(res)
    expect(body).toMatchObject({ status: 400, code: 'malformed_json', title: 'Malformed JSON' })
    expect(body.type).toMatch(/^https:\/\//)
  })

  it('names each missing field', async () => {
    const res = await api('/auth/login', { method: 'POST', json: {} })
    expect(res.status).toBe(400)
    const body = await problem(res)
    expect(body.code).toBe('validation_failed')
    expect(body.errors!.map((e) => e.field).sort()).toEqual(['email', 'password'])
    expect(body.detail).toMatch(/email/)
  })

  it('names a field of the wrong type', async () => {
    const res = await api('/auth/login', { method: 'POST', json: { email: 42, password: 'x' } })
    expect(res.status).toBe(400)
    expect((await problem(res)).errors!.map((e) => e.field)).toEqual(['email'])
  })

  it('refuses an email that is not an email and a password over 256 characters', async () => {
    const res = await api('/auth/login', { method: 'POST', json: { email: 'not an email', password: 'x'.repeat(257) } })
    expect(res.status).toBe(400)
    expect((await problem(res)).errors!.map((e) => e.field).sort()).toEqual(['email', 'password'])
  })

  it('answers a body over 64 KB with 413', async () => {
    const res = await rawLogin(JSON.stringify({ email: 'owner@acme.test', password: 'x'.repeat(70_000) }))
    expect(res.status).toBe(413)
    expect((await problem(res)).code).toBe('payload_too_large')
  })

  it('answers a non-JSON body with 415 naming the body', async () => {
    const res = await rawLogin('email=owner%40acme.test&password=x', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(res.status).toBe(415)
    const body = await problem(res)
    expect(body.code).toBe('unsupported_media_type')
    expect(body.errors?.[0]?.field).toBe('body')
  })

  it('answers JSON that is not an object (array, null, string) with 400', async () => {
    for (const body of ['[]', 'null', '"owner@acme.test"', '12']) {
      const res = await rawLogin(body)
      expect(res.status, body).toBe(400)
      expect((await problem(res)).code, body).toBe('validation_failed')
    }
  })

  it('never answers 500, whatever JSON arrives', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const res = await rawLogin(JSON.stringify(value))
        expect([400, 401, 429]).toContain(res.status)
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      }),
      { numRuns: 60 },
    )
  })

  it('never answers 500 for random objects with email and password keys', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ email: fc.oneof(fc.string(), fc.emailAddress(), fc.anything()), password: fc.oneof(fc.string(), fc.anything()) }), async (value) => {
        const res = await rawLogin(JSON.stringify(value))
        expect([400, 401, 429]).toContain(res.status)
      }),
      { numRuns: 40 },
    )
  })
})

describe('bad input on the account routes', () => {
  it('answers an over-long or odd account id with 404, not 500', async () => {
    const cookie = await login('owner@acme.test')
    for (const id of ['x'.repeat(65), "acc_'; DROP TABLE accounts;--", '%00', 'acc_%F0%9F%92%A5']) {
      const res = await api(`/accounts/${encodeURIComponent(id)}`, { cookie })
      expect([400, 404], id).toContain(res.status)
      await problem(res)
    }
    // The table is still there.
    expect((await api(`/accounts/${await accountId('Acme Hosting')}`, { cookie })).status).toBe(200)
  })

  it('answers an unknown route and an unknown method with problem+json', async () => {
    const res = await api('/no-such-thing')
    expect(res.status).toBe(404)
    expect((await problem(res)).code).toBe('not_found')
    const del = await api('/health', { method: 'DELETE' })
    expect(del.status).toBe(404)
    await problem(del)
  })
})

describe('bad session cookies', () => {
  it('treats a malformed, oversized or forged cookie as signed out (401), never 500', async () => {
    for (const value of ['%E0%A4%A', 'a.b.c', '.', 'x'.repeat(4000), 'abc', `${'a'.repeat(24)}.${'b'.repeat(24)}`, '"quoted"']) {
      const res = await api('/me', { cookie: `trellis_session=${value}` })
      expect(res.status, value).toBe(401)
      await problem(res)
    }
  })
})

describe('development tools', () => {
  // Protects against shipping synthetic-data endpoints: they exist only with DEV_TOOLS=true.
  it('are absent unless DEV_TOOLS is on', async () => {
    const cookie = await login('owner@acme.test')
    const res = await api('/../dev/activity/burst', { method: 'POST', cookie, json: { accountId: await accountId('Acme Hosting'), count: 1 } })
    expect(res.status).toBe(404)
    await problem(res)
  })
})

describe('the error catalogue', () => {
  it('gives every code its own status and title, so no problem is titled only "Error"', () => {
    for (const [code, entry] of Object.entries(errorCodes)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400)
      expect(entry.title, code).not.toMatch(/^(Error)?$/)
      expect(entry.detail, code).toMatch(/\.$/)
    }
  })

  it('answers a plain GET of the live socket with 426 titled by its code', async () => {
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/activity/live`, { cookie: await login('owner@acme.test') })
    expect(res.status).toBe(426)
    expect(await problem(res)).toMatchObject({ code: 'upgrade_required', title: 'WebSocket required', status: 426 })
  })
})

describe('validation messages people read', () => {
  it('answers a too-long service name with “At most 200 characters.”, never the validator’s own words', async () => {
    const cookie = await login('owner@acme.test')
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/services`, { method: 'POST', cookie, json: { type: 'server', name: 'x'.repeat(201) } })
    expect(res.status).toBe(400)
    const body = await problem(res)
    expect(body.errors).toEqual([{ field: 'name', message: 'At most 200 characters.' }])
    expect(body.detail).not.toMatch(/Too big|expected/)
  })
})
