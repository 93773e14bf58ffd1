import { env, SELF } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDb } from '../../../worker/src/db.ts'
import { brandForAccount } from '../../../worker/src/domain/brands.ts'
import { invalidateBrandCache } from '../../../worker/src/domain/host-brand.ts'
import { normalizeHostname } from '../../../worker/src/domain/hostnames.ts'
import { accountId, api, DEMO_PASSWORD, jsonOf, login, problem, publishTxt } from '../../helpers/client.ts'

type BrandView = { name: string; logoUrl: string | null; primaryColor: string; accentColor: string; supportEmail: string | null; supportUrl: string | null; loginMessage: string | null; resellerId: string | null }

let ipCounter = 0

/** A request to the API as a browser on `host` would send it. */
function onHost(host: string, path: string, init: RequestInit & { json?: unknown; cookie?: string } = {}) {
  const { json, cookie, ...rest } = init
  const headers = new Headers(rest.headers)
  if (json !== undefined) headers.set('content-type', 'application/json')
  if (cookie) headers.set('cookie', cookie)
  headers.set('x-trellis-client-ip', `10.77.${ipCounter++ % 250}.1`)
  if (!['GET', 'HEAD', undefined].includes(rest.method)) headers.set('origin', `http://${host}`)
  return SELF.fetch(`http://${host}/api/v1${path}`, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body })
}

async function brandOn(host: string): Promise<BrandView> {
  const res = await onHost(host, '/brand')
  expect(res.status).toBe(200)
  return (await jsonOf(res, 'getPortalBrand')).brand
}

async function addHostname(cookie: string, account: string, hostname: string, customerAccountId?: string) {
  return api(`/accounts/${account}/hostnames`, { method: 'POST', cookie, json: { hostname, ...(customerAccountId ? { customerAccountId } : {}) } })
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0])

beforeEach(() => {
  // D1 is reset before each test; the isolate's host cache must not outlive it.
  invalidateBrandCache()
})

describe('GET /api/v1/brand', () => {
  it('answers the platform brand, named after the platform (never the product), on the platform host and on unknown hosts', async () => {
    for (const host of ['localhost', 'unknown.example.com']) {
      const brand = await brandOn(host)
      expect(brand).toMatchObject({ name: 'Nimbus Cloud', resellerId: null, primaryColor: '#2563eb', poweredBy: true })
    }
  })

  it('lets the platform turn “Powered by Trellis” off for a reseller, and no reseller turn it off for itself', async () => {
    const admin = await login('admin@nimbus.test')
    const nimbus = await accountId('Nimbus Cloud')
    const acme = await accountId('Acme Hosting')
    const res = await api(`/accounts/${nimbus}/resellers/${acme}`, { method: 'PATCH', cookie: admin, json: { poweredBy: false } })
    expect(res.status).toBe(200)
    expect((await jsonOf(res, 'updateReseller')).account.poweredBy).toBe(false)
    invalidateBrandCache()
    expect(await brandOn('acme.localhost')).toMatchObject({ name: 'Acme Hosting', poweredBy: false })
    expect(await brandOn('globex.localhost')).toMatchObject({ poweredBy: true })
    // The reseller's own owner has no way to it: resellers are managed only at the platform (refused, and the platform's id is not theirs to use).
    const owner = await login('owner@acme.test')
    expect((await api(`/accounts/${acme}/resellers/${acme}`, { method: 'PATCH', cookie: owner, json: { poweredBy: true } })).status).toBe(403)
    expect((await api(`/accounts/${nimbus}/resellers/${acme}`, { method: 'PATCH', cookie: owner, json: { poweredBy: true } })).status).toBe(404)
    invalidateBrandCache()
    expect(await brandOn('acme.localhost')).toMatchObject({ poweredBy: false })
  })

  it("answers a reseller's brand on its verified hostname, whatever the case and port", async () => {
    const acme = await accountId('Acme Hosting')
    for (const host of ['acme.localhost', 'ACME.localhost:8787']) {
      const brand = await brandOn(host)
      expect(brand).toMatchObject({ name: 'Acme Hosting', resellerId: acme, primaryColor: '#c2410c', accentColor: '#f59e0b', supportEmail: 'support@acme.test' })
      expect(brand.logoUrl).toBe(`/api/v1/brand/logo/${acme}/1`)
    }
    expect((await brandOn('globex.localhost')).name).toBe('Globex Partners')
  })

  it('keeps an unverified hostname on the platform brand', async () => {
    const cookie = await login('owner@acme.test')
    const res = await addHostname(cookie, await accountId('Acme Hosting'), 'portal.acme-unverified.example')
    expect(res.status).toBe(201)
    expect((await brandOn('portal.acme-unverified.example')).resellerId).toBeNull()
  })

  it("gives a reseller without a brand the platform's look under its own name", async () => {
    await env.DB.prepare('DELETE FROM brands WHERE account_id = ?').bind(await accountId('Globex Partners')).run()
    expect(await brandOn('globex.localhost')).toMatchObject({ name: 'Globex Partners', primaryColor: '#2563eb', logoUrl: null, resellerId: await accountId('Globex Partners') })
  })

  it("uses the platform's own saved brand on every host that is not a reseller's", async () => {
    const cookie = await login('admin@nimbus.test')
    const nimbus = await accountId('Nimbus Cloud')
    const res = await api(`/accounts/${nimbus}/brand`, { method: 'PUT', cookie, json: { name: 'Nimbus Cloud', primaryColor: '#0b5fff', accentColor: '#ff7a00', supportUrl: 'https://help.nimbus.test' } })
    expect(res.status).toBe(200)
    for (const host of ['localhost', 'unverified.example.org']) expect(await brandOn(host)).toMatchObject({ name: 'Nimbus Cloud', primaryColor: '#0b5fff', resellerId: null })
    expect((await brandOn('acme.localhost')).name).toBe('Acme Hosting')
    // Customers have no Branding section.
    const bea = await login('owner@bluebird.test')
    expect((await api(`/accounts/${await accountId('Bluebird Bakery')}/brand`, { cookie: bea })).status).toBe(403)
  })

  it('answers 404 for a logo that does not exist', async () => {
    expect((await SELF.fetch(`http://localhost/api/v1/brand/logo/${await accountId('Acme Hosting')}/99`)).status).toBe(404)
  })

  it('serves a changed brand at once in this isolate (the cache is invalidated)', async () => {
    expect((await brandOn('acme.localhost')).name).toBe('Acme Hosting')
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const res = await api(`/accounts/${acme}/brand`, { method: 'PUT', cookie, json: { name: 'Acme Cloud', primaryColor: '#112233', accentColor: '#445566' } })
    expect(res.status).toBe(200)
    expect(await brandOn('acme.localhost')).toMatchObject({ name: 'Acme Cloud', primaryColor: '#112233', supportEmail: null })
  })
})

describe('PUT /api/v1/accounts/:id/brand', () => {
  it('stores markup in brand fields as literal text and returns it unchanged (the web renders it as text)', async () => {
    // Protects against stored XSS through a reseller's brand.
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const name = '<script>alert(1)</script> & "Acme"'
    const loginMessage = '<img src=x onerror=alert(1)>\nSecond line'
    const res = await api(`/accounts/${acme}/brand`, { method: 'PUT', cookie, json: { name, primaryColor: '#AABBCC', accentColor: '#000000', loginMessage } })
    expect(res.status).toBe(200)
    const body = await jsonOf(res, 'updateAccountBrand')
    expect(body.brand.name).toBe(name)
    expect(body.brand.primaryColor).toBe('#aabbcc')
    const brand = await brandOn('acme.localhost')
    expect(brand.name).toBe(name)
    expect(brand.loginMessage).toBe(loginMessage)
  })

  it('refuses bad input with 400 naming the field', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const good = { name: 'Acme', primaryColor: '#112233', accentColor: '#445566' }
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, primaryColor: 'red' }, 'primaryColor'],
      [{ ...good, accentColor: '#12345' }, 'accentColor'],
      [{ ...good, primaryColor: '#112233;background:url(x)' }, 'primaryColor'],
      [{ ...good, name: '' }, 'name'],
      [{ ...good, name: 'x'.repeat(81) }, 'name'],
      [{ ...good, supportUrl: 'http://help.acme.test' }, 'supportUrl'],
      [{ ...good, supportUrl: 'javascript:alert(1)' }, 'supportUrl'],
      [{ ...good, supportEmail: 'not-an-email' }, 'supportEmail'],
      [{ ...good, loginMessage: 'x'.repeat(501) }, 'loginMessage'],
    ]
    for (const [json, field] of cases) {
      const res = await api(`/accounts/${acme}/brand`, { method: 'PUT', cookie, json })
      expect(res.status, field).toBe(400)
      expect((await problem(res)).errors?.map((e) => e.field)).toContain(field)
    }
  })

  it("answers 404 for another tenant's brand and 403 without branding.manage", async () => {
    const globexOwner = await login('owner@globex.test')
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/brand`, { cookie: globexOwner })).status).toBe(404)
    const res = await api(`/accounts/${acme}/brand`, { method: 'PUT', cookie: globexOwner, json: { name: 'Pwned', primaryColor: '#000000', accentColor: '#000000' } })
    expect(res.status).toBe(404)
    const tom = await login('tom@acme.test')
    const put = await api(`/accounts/${acme}/brand`, { method: 'PUT', cookie: tom, json: { name: 'Tom', primaryColor: '#000000', accentColor: '#000000' } })
    expect(put.status).toBe(403)
    expect((await brandOn('acme.localhost')).name).toBe('Acme Hosting')
  })
})

describe('PUT /api/v1/accounts/:id/brand/logo', () => {
  const upload = (cookie: string, account: string, body: Uint8Array | string, type: string) =>
    api(`/accounts/${account}/brand/logo`, { method: 'PUT', cookie, body, headers: { 'content-type': type } })

  it('stores a PNG in R2 and serves it at a new immutable URL', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const res = await upload(cookie, acme, PNG, 'image/png')
    expect(res.status).toBe(200)
    const { brand } = await jsonOf(res, 'uploadBrandLogo')
    expect(brand.logoUrl).toBe(`/api/v1/brand/logo/${acme}/2`)
    expect((await brandOn('acme.localhost')).logoUrl).toBe(brand.logoUrl)
    const logo = await SELF.fetch(`http://acme.localhost${brand.logoUrl}`)
    expect(logo.status).toBe(200)
    expect(logo.headers.get('content-type')).toBe('image/png')
    expect(logo.headers.get('cache-control')).toContain('immutable')
    expect(logo.headers.get('x-content-type-options')).toBe('nosniff')
    // Emails show the logo from webmail (another origin): a public brand asset may be embedded anywhere.
    expect(logo.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
    expect(new Uint8Array(await logo.arrayBuffer())).toEqual(PNG)
  })

  it('accepts a plain SVG and serves it with a CSP that runs nothing', async () => {
    const cookie = await login('owner@globex.test')
    const globex = await accountId('Globex Partners')
    const svg = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#123456"/></svg>'
    const res = await upload(cookie, globex, svg, 'image/svg+xml')
    expect(res.status).toBe(200)
    const { brand } = await jsonOf(res, 'uploadBrandLogo')
    const logo = await SELF.fetch(`http://localhost${brand.logoUrl}`)
    expect(logo.headers.get('content-type')).toBe('image/svg+xml')
    expect(logo.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(logo.headers.get('content-security-policy')).toContain('sandbox')
  })

  it('refuses files whose bytes are not an allowed image, whatever the header says', async () => {
    // Protects against script (HTML, scripted SVG) served from the portal's origin.
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const cases: [Uint8Array | string, string][] = [
      ['<html><script>alert(1)</script></html>', 'image/png'],
      ['GIF89a....', 'image/gif'],
      ['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'image/svg+xml'],
      ['<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', 'image/svg+xml'],
      ['<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.test/x.png"/></svg>', 'image/svg+xml'],
      [PNG, 'image/jpeg'],
      [new Uint8Array(0), 'image/png'],
    ]
    for (const [body, type] of cases) {
      const res = await upload(cookie, acme, body, type)
      expect(res.status, `${type} ${String(body).slice(0, 30)}`).toBe(400)
      expect((await problem(res)).errors?.[0]?.field).toBe('logo')
    }
    expect((await brandOn('acme.localhost')).logoUrl).toBe(`/api/v1/brand/logo/${acme}/1`)
  })

  it('refuses a logo over 256 KB with 413 naming the field', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const big = new Uint8Array(256 * 1024 + 1)
    big.set(PNG)
    const res = await upload(cookie, acme, big, 'image/png')
    expect(res.status).toBe(413)
    expect((await problem(res)).errors?.[0]?.field).toBe('logo')
    // Just under the limit is fine (the JSON body limit does not apply here).
    const res2 = await upload(cookie, acme, big.slice(0, 256 * 1024), 'image/png')
    expect(res2.status).toBe(200)
  })

  it("answers 404 for another tenant's logo upload", async () => {
    const cookie = await login('owner@globex.test')
    expect((await upload(cookie, await accountId('Acme Hosting'), PNG, 'image/png')).status).toBe(404)
  })
})

describe('hostnames', () => {
  it('normalises hostnames and refuses what is not one', () => {
    expect(normalizeHostname(' Portal.Example.COM. ')).toBe('portal.example.com')
    expect(normalizeHostname('bücher.example')).toBe('xn--bcher-kva.example')
    for (const bad of ['https://x.com', 'x', '*.x.com', 'a..b', 'x.com:80', 'x.com/path', '-a.com', '10.0.0.1', 'a b.com', '']) {
      expect(normalizeHostname(bad), bad).toBeNull()
    }
  })

  it('refuses an invalid hostname with 400 naming the field, and the platform hostnames with 409', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    for (const bad of ['https://portal.example.com', 'nodots', '10.1.2.3', '*.example.com']) {
      const res = await addHostname(cookie, acme, bad)
      expect(res.status, bad).toBe(400)
      expect((await problem(res)).errors?.[0]?.field).toBe('hostname')
    }
    const missing = await api(`/accounts/${acme}/hostnames`, { method: 'POST', cookie, json: {} })
    expect((await problem(missing)).errors?.[0]?.field).toBe('hostname')
    for (const own of ['localhost', 'LOCALHOST.', '127.0.0.1']) {
      const res = await addHostname(cookie, acme, own)
      expect(res.status, own).toBe(409)
    }
  })

  it('lets a verified hostname be held once across the platform', async () => {
    const acmeOwner = await login('owner@acme.test')
    const globexOwner = await login('owner@globex.test')
    const first = await addHostname(acmeOwner, await accountId('Acme Hosting'), 'portal.shared.example')
    expect(first.status).toBe(201)
    // A pending claim blocks nobody else (hostname-claims.test.ts); a verified one blocks everyone.
    expect((await addHostname(globexOwner, await accountId('Globex Partners'), 'PORTAL.shared.example.')).status).toBe(201)
    const verified = await addHostname(globexOwner, await accountId('Globex Partners'), 'acme.localhost')
    expect(verified.status).toBe(409)
    expect((await problem(verified)).errors?.[0]?.field).toBe('hostname')
  })

  it('keeps one claim per reseller and name when many concurrent claims race', async () => {
    const acmeOwner = await login('owner@acme.test')
    const globexOwner = await login('owner@globex.test')
    const [acme, globex] = [await accountId('Acme Hosting'), await accountId('Globex Partners')]
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? addHostname(acmeOwner, acme, 'race.example.com') : addHostname(globexOwner, globex, 'race.example.com'))),
    )
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 409, 409, 409, 409, 409, 409])
    const { results: rows } = await env.DB.prepare("SELECT reseller_account_id AS r FROM hostnames WHERE hostname = 'race.example.com' ORDER BY 1").all<{ r: string }>()
    expect(rows.map((row) => row.r)).toEqual([acme, globex].sort())
  })

  it('verifies a hostname only when the TXT record holds its token (fake resolver)', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const added = await jsonOf(await addHostname(cookie, acme, 'portal.acme-verify.example'), 'createHostname')
    const { id, record } = added.hostname
    expect(record).toMatchObject({ type: 'TXT', name: '_trellis.portal.acme-verify.example' })
    expect(record.value).toMatch(/^trellis-verify=[a-z2-7]{32}$/)
    const verify = () => api(`/accounts/${acme}/hostnames/${id}/verify`, { method: 'POST', cookie })

    // No record at all.
    let res = await verify()
    expect(res.status).toBe(422)
    expect((await problem(res)).code).toBe('verification_failed')
    // A record with the wrong token (say, another hostname's).
    await publishTxt(record.name, 'trellis-verify=somebodyelse', 'v=spf1 -all')
    res = await verify()
    expect(res.status).toBe(422)
    expect((await brandOn('portal.acme-verify.example')).resellerId).toBeNull()
    // The right one, among others.
    await publishTxt(record.name, 'v=spf1 -all', record.value)
    res = await verify()
    expect(res.status).toBe(200)
    expect((await jsonOf(res, 'verifyHostname')).hostname.status).toBe('verified')
    expect((await brandOn('portal.acme-verify.example')).resellerId).toBe(acme)
  })

  it('stops branding a hostname once removed, and hides other tenants hostnames (404)', async () => {
    const acmeOwner = await login('owner@acme.test')
    const globexOwner = await login('owner@globex.test')
    const [acme, globex] = [await accountId('Acme Hosting'), await accountId('Globex Partners')]
    const list = await jsonOf(await api(`/accounts/${acme}/hostnames`, { cookie: acmeOwner }), 'listHostnames')
    expect(list.devTools).toBe(false)
    const acmeHost = list.items.find((h) => h.hostname === 'acme.localhost')!
    expect(acmeHost.status).toBe('verified')

    expect((await api(`/accounts/${acme}/hostnames`, { cookie: globexOwner })).status).toBe(404)
    expect((await api(`/accounts/${globex}/hostnames/${acmeHost.id}`, { method: 'DELETE', cookie: globexOwner })).status).toBe(404)
    expect((await api(`/accounts/${globex}/hostnames/${acmeHost.id}/verify`, { method: 'POST', cookie: globexOwner })).status).toBe(404)
    expect((await brandOn('acme.localhost')).name).toBe('Acme Hosting')

    expect((await api(`/accounts/${acme}/hostnames/${acmeHost.id}`, { method: 'DELETE', cookie: acmeOwner })).status).toBe(204)
    expect((await brandOn('acme.localhost')).resellerId).toBeNull()
  })

  it('takes a customer of the reseller, and only one of its own', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const ok = await addHostname(cookie, acme, 'portal.bluebird.example', await accountId('Bluebird Bakery'))
    expect(ok.status).toBe(201)
    expect((await jsonOf(ok, 'createHostname')).hostname.customer?.name).toBe('Bluebird Bakery')
    const other = await addHostname(cookie, acme, 'portal.evergreen.example', await accountId('Evergreen Legal'))
    expect(other.status).toBe(400)
    expect((await problem(other)).errors?.[0]?.field).toBe('customerAccountId')
  })

  it('has no development switch unless DEV_TOOLS is on', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const added = await jsonOf(await addHostname(cookie, acme, 'dev.acme.example'), 'createHostname')
    const res = await api(`/accounts/${acme}/hostnames/${added.hostname.id}/dev-verify`, { method: 'POST', cookie })
    expect(res.status).toBe(404)
    expect((await brandOn('dev.acme.example')).resellerId).toBeNull()
  })
})

describe('signing in on a branded hostname', () => {
  const signIn = (host: string, email: string, password = DEMO_PASSWORD) => onHost(host, '/auth/login', { method: 'POST', json: { email, password } })

  it("lets the reseller's own tree sign in", async () => {
    for (const email of ['owner@acme.test', 'owner@bluebird.test', 'sam@freelance.test']) {
      expect((await signIn('acme.localhost', email)).status, email).toBe(200)
    }
  })

  it('refuses members of other trees with a pointer to their own portal, only after the password checked out', async () => {
    // Protects against a branded portal becoming a login oracle for other tenants.
    const res = await signIn('acme.localhost', 'owner@globex.test')
    expect(res.status).toBe(403)
    const body = await problem(res)
    expect(body.code).toBe('wrong_portal')
    expect(body.portal).toBe('http://globex.localhost')
    expect(res.headers.get('set-cookie') ?? '').not.toContain('trellis_session=')

    const wrongPassword = await signIn('acme.localhost', 'owner@globex.test', 'not-the-password')
    const unknown = await signIn('acme.localhost', 'nobody@nowhere.test', 'not-the-password')
    for (const r of [wrongPassword, unknown]) {
      expect(r.status).toBe(401)
      const p = await problem(r)
      expect(p.code).toBe('invalid_credentials')
      expect(p.detail).not.toMatch(/portal/i)
    }
    const platformAdmin = await signIn('acme.localhost', 'admin@nimbus.test')
    expect(platformAdmin.status).toBe(403)
    expect((await problem(platformAdmin)).portal).toBe('http://localhost')
  })

  it('lets everyone sign in on the platform host', async () => {
    for (const email of ['owner@globex.test', 'owner@acme.test', 'admin@nimbus.test']) {
      expect((await signIn('localhost', email)).status, email).toBe(200)
    }
  })
})

describe('brandForAccount', () => {
  it("answers the owning reseller's brand (with its portal hostname) or the platform brand", async () => {
    const db = createDb(env.DB)
    const path = async (name: string) => (await env.DB.prepare('SELECT path FROM accounts WHERE name = ?').bind(name).first<{ path: string }>())!.path
    expect(await brandForAccount(db, await path('Bluebird Bakery'))).toMatchObject({ name: 'Acme Hosting', hostname: 'acme.localhost', resellerId: await accountId('Acme Hosting') })
    expect(await brandForAccount(db, await path('Globex Partners'))).toMatchObject({ name: 'Globex Partners', hostname: 'globex.localhost' })
    expect(await brandForAccount(db, await path('Nimbus Cloud'))).toMatchObject({ name: 'Nimbus Cloud', resellerId: null, hostname: null })
  })
})
