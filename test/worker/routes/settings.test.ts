import { describe, expect, it } from 'vitest'
import { accountId, api, jsonOf, login } from '../../helpers/client.ts'

const settingsOf = async (cookie: string, account: string) => (await jsonOf(await api(`/accounts/${account}/settings`, { cookie }), 'getAccountSettings')).settings

describe('GET /api/v1/accounts/:id/settings', () => {
  it('answers 401 signed out, 404 to another tenant and 403 without settings.view', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/settings`)).status).toBe(401)
    expect((await api(`/accounts/${acme}/settings`, { cookie: await login('owner@globex.test') })).status).toBe(404)
    expect((await api(`/accounts/${acme}/settings`, { cookie: await login('tom@acme.test') })).status).toBe(403)
  })

  it('shows a reseller its own settings: it renames itself, its parent sets the admin cap', async () => {
    const acme = await accountId('Acme Hosting')
    const own = await settingsOf(await login('owner@acme.test'), acme)
    expect(own).toMatchObject({ name: 'Acme Hosting', kind: 'reseller', pageViewLoggingDefault: true, partnerAccessDefault: null, retentionDays: expect.any(Number) })
    expect(own.allowed).toEqual({ rename: true, pageViewLogging: true, adminCap: false, partnerAccess: false, retention: false })
    const fromPlatform = await settingsOf(await login('admin@nimbus.test'), acme)
    expect(fromPlatform.allowed.adminCap).toBe(true)
  })

  it('says only the customer itself decides partner access, and only its parent the admin cap', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const own = await settingsOf(await login('owner@bluebird.test'), bluebird)
    expect(own).toMatchObject({ kind: 'customer', pageViewLoggingDefault: false, partnerAccessDefault: expect.any(Boolean) })
    expect(own.allowed).toMatchObject({ partnerAccess: true, adminCap: false })
    const parent = await settingsOf(await login('owner@acme.test'), bluebird)
    expect(parent.allowed).toMatchObject({ partnerAccess: false, adminCap: true })
    expect(parent.adminCapMax).toBeGreaterThanOrEqual(parent.adminCap)
  })

  it('agrees with what the API accepts (allowed ⇔ the change goes through)', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const acme = await accountId('Acme Hosting')
    for (const [email, account] of [['owner@bluebird.test', bluebird], ['owner@acme.test', bluebird], ['owner@acme.test', acme], ['admin@nimbus.test', acme]] as const) {
      const cookie = await login(email)
      const s = await settingsOf(cookie, account)
      const cap = await api(`/accounts/${account}`, { method: 'PATCH', cookie, json: { adminCap: s.adminCap } })
      expect(cap.status === 200, `${email} admin cap`).toBe(s.allowed.adminCap)
      const logging = await api(`/accounts/${account}`, { method: 'PATCH', cookie, json: { pageViewLogging: s.pageViewLogging ?? s.pageViewLoggingDefault } })
      expect(logging.status === 200, `${email} logging`).toBe(s.allowed.pageViewLogging)
      const partner = await api(`/accounts/${account}/partner-access`, { method: 'PUT', cookie, json: { enabled: s.partnerAccessDefault ?? false } })
      expect(partner.status === 200, `${email} partner access`).toBe(s.allowed.partnerAccess)
    }
  })
})
