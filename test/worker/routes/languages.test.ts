import { env, SELF } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import enErrors from '../../../worker/messages/en/errors.json'
import frErrors from '../../../worker/messages/fr/errors.json'
import { invalidateBrandCache } from '../../../worker/src/domain/host-brand.ts'
import { errorCodes } from '../../../worker/src/errors.ts'
import { accountId, api, jsonOf, lastEmail, login, problem } from '../../helpers/client.ts'

// English and French (decision 034): the person's choice, else the portal's default, else the
// browser's; problem titles and emails follow it, `detail` and `code` never change.

beforeEach(() => invalidateBrandCache())

/** A request as a browser on `host` sends it. */
function onHost(host: string, path: string, headers: Record<string, string> = {}) {
  return SELF.fetch(`http://${host}/api/v1${path}`, { headers })
}

async function userId(email: string) {
  return (await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<{ id: string }>())!.id
}

describe('problem titles', () => {
  it('has a title in both languages for every error code, the English one being the catalogue’s', () => {
    for (const [code, { title }] of Object.entries(errorCodes)) {
      expect((enErrors as Record<string, string>)[`error_${code}`], code).toBe(title)
      expect((frErrors as Record<string, string>)[`error_${code}`], code).toBeTruthy()
    }
  })

  it('answers in the browser’s language, the chosen one first, with the same English detail and code', async () => {
    const english = await problem(await onHost('localhost', '/me'))
    const french = await problem(await onHost('localhost', '/me', { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' }))
    const chosen = await problem(await onHost('localhost', '/me', { 'accept-language': 'fr', cookie: 'trellis-lang=en' }))
    expect(english).toMatchObject({ status: 401, code: 'unauthenticated', title: 'Sign-in required' })
    expect(french).toMatchObject({ status: 401, code: 'unauthenticated', title: 'Connexion requise', detail: english.detail })
    expect(chosen.title).toBe('Sign-in required')
  })

  it('speaks a portal’s default language to people who chose none, whatever their browser says', async () => {
    // Globex's demo portal defaults to French; Acme's has no default.
    const globex = await problem(await onHost('globex.localhost', '/me', { 'accept-language': 'en-GB' }))
    const acme = await problem(await onHost('acme.localhost', '/me', { 'accept-language': 'en-GB' }))
    const chosen = await problem(await onHost('globex.localhost', '/me', { cookie: 'trellis-lang=en' }))
    expect(globex.title).toBe('Connexion requise')
    expect(acme.title).toBe('Sign-in required')
    expect(chosen.title).toBe('Sign-in required')
  })

  it('names the bad field in the request’s language, the detail staying English', async () => {
    const cookie = `${await login('tom@acme.test')}; trellis-lang=fr`
    const bad = await problem(await api('/me', { method: 'PATCH', cookie, json: { name: '', email: 'nope' } }))
    expect(bad.title).toBe('Requête non valide')
    expect(bad.errors).toEqual([
      { field: 'name', message: 'Saisissez un nom.' },
      { field: 'email', message: 'Saisissez une adresse e-mail valide.' },
    ])
    expect(bad.detail).toBe('name: Enter a name.; email: Enter a valid email address.')
  })

  it('ignores a cookie or header naming a language it does not have', async () => {
    const res = await onHost('localhost', '/me', { cookie: 'trellis-lang=<script>', 'accept-language': 'de-DE, *;q=0.1' })
    expect((await problem(res)).title).toBe('Sign-in required')
  })
})

describe('a person’s language', () => {
  it('is saved with their login and shown by /me; null follows the portal again', async () => {
    const cookie = await login('tom@acme.test')
    expect((await jsonOf(await api('/me', { cookie }), 'getMe')).locale).toBeNull()
    const saved = await api('/me', { method: 'PATCH', cookie, json: { locale: 'fr' } })
    expect((await jsonOf(saved, 'updateMe')).locale).toBe('fr')
    expect((await jsonOf(await api('/me', { cookie }), 'getMe')).locale).toBe('fr')
    // Their choice decides the language of problems they get, on any portal.
    expect((await problem(await api('/accounts/acc_nope', { cookie }))).title).toBe('Introuvable')
    await api('/me', { method: 'PATCH', cookie, json: { locale: null } })
    expect((await jsonOf(await api('/me', { cookie }), 'getMe')).locale).toBeNull()
  })

  it('refuses a language it does not have, naming the field, and an unsigned caller', async () => {
    const cookie = await login('tom@acme.test')
    const bad = await problem(await api('/me', { method: 'PATCH', cookie, json: { locale: 'de' } }))
    expect(bad).toMatchObject({ status: 400, code: 'validation_failed' })
    expect(bad.errors?.map((e) => e.field)).toEqual(['locale'])
    expect((await api('/me', { method: 'PATCH', json: { locale: 'fr' } })).status).toBe(401)
  })

  it('cannot be changed for someone by whoever acts as them', async () => {
    const owner = await login('owner@acme.test')
    const started = await api('/impersonation', { method: 'POST', cookie: owner, json: { userId: await userId('tom@acme.test'), accountId: await accountId('Acme Hosting'), reason: 'Checking the French pages with Tom' } })
    expect(started.status).toBe(201)
    expect((await api('/me', { method: 'PATCH', cookie: owner, json: { locale: 'fr' } })).status).toBe(403)
    const row = await env.DB.prepare('SELECT locale FROM users WHERE email = ?').bind('tom@acme.test').first<{ locale: string | null }>()
    expect(row?.locale).toBeNull()
  })
})

describe('a portal’s default language', () => {
  it('is set on the brand by whoever manages branding, and validated', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const current = (await jsonOf(await api(`/accounts/${acme}/brand`, { cookie: owner }), 'getAccountBrand')).brand
    const body = { name: current.name, primaryColor: current.primaryColor, accentColor: current.accentColor, supportEmail: current.supportEmail, supportUrl: current.supportUrl, loginMessage: current.loginMessage }
    const bad = await problem(await api(`/accounts/${acme}/brand`, { method: 'PUT', cookie: owner, json: { ...body, defaultLocale: 'es' } }))
    expect(bad.errors?.map((e) => e.field)).toEqual(['defaultLocale'])
    const saved = await api(`/accounts/${acme}/brand`, { method: 'PUT', cookie: owner, json: { ...body, defaultLocale: 'fr' } })
    expect((await jsonOf(saved, 'updateAccountBrand')).brand.defaultLocale).toBe('fr')
    expect((await jsonOf(await onHost('acme.localhost', '/brand'), 'getPortalBrand')).brand.defaultLocale).toBe('fr')
    // A member without branding rights cannot change it.
    const tom = await login('tom@acme.test')
    expect((await api(`/accounts/${acme}/brand`, { method: 'PUT', cookie: tom, json: { ...body, defaultLocale: 'en' } })).status).toBe(403)
  })
})

describe('emails in the recipient’s language', () => {
  it('sends a reset link in the language the person chose', async () => {
    await env.DB.prepare("UPDATE users SET locale = 'fr' WHERE email = ?").bind('tess@acme.test').run()
    const res = await api('/auth/password-reset', { method: 'POST', json: { email: 'tess@acme.test' }, ip: '10.61.0.1' })
    expect(res.status).toBe(202)
    const mail = await lastEmail('tess@acme.test')
    expect(mail.subject).toBe('Réinitialisez votre mot de passe Acme Hosting')
    expect(mail.html).toContain('<html lang="fr">')
    expect(mail.text).toContain('/reset-password/')
  })

  it('invites a new person in the portal’s default language, and someone who chose English in English', async () => {
    const globex = await accountId('Globex Partners')
    const owner = await login('owner@globex.test')
    const invite = (email: string) => api(`/accounts/${globex}/invitations`, { method: 'POST', cookie: owner, json: { kind: 'member', email, level: 'user', roleIds: ['technical'], scope: { mode: 'all' } } })
    expect((await invite('nouvelle@example.test')).status).toBe(201)
    const french = await lastEmail('nouvelle@example.test')
    expect(french.subject).toBe('Vous êtes invité à rejoindre Globex Partners')
    expect(french.text).toContain('Accepter l’invitation')
    await env.DB.prepare("UPDATE users SET locale = 'en' WHERE email = ?").bind('tess@acme.test').run()
    expect((await invite('tess@acme.test')).status).toBe(201)
    expect((await lastEmail('tess@acme.test')).subject).toBe('You are invited to Globex Partners')
  })
})
