import { env, SELF } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import enErrors from '../../../worker/messages/en/errors.json'
import enFields from '../../../worker/messages/en/fields.json'
import enSentences from '../../../worker/messages/en/sentences.json'
import frErrors from '../../../worker/messages/fr/errors.json'
import { invalidateBrandCache } from '../../../worker/src/domain/host-brand.ts'
import { errorCodes } from '../../../worker/src/errors.ts'
import { localizeSentence } from '../../../worker/src/i18n/field-messages.ts'
import { withLocale } from '../../../worker/src/i18n/locale.ts'
import { accountId, api, jsonOf, lastEmail, login, problem, serviceId } from '../../helpers/client.ts'

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

describe('what the API writes for a person, in their language', () => {
  const fr = async (email: string) => `${await login(email)}; trellis-lang=fr`

  it('names a bad value in the field’s message, in French with the value, the detail staying English', async () => {
    const acme = await accountId('Acme Hosting')
    const create = (cookie: string) =>
      api(`/accounts/${acme}/api-keys`, { method: 'POST', cookie, json: { name: 'CI deploys', level: 'admin', roles: ['rol_nope'], scope: { mode: 'all' } } })
    const french = await problem(await create(await fr('owner@acme.test')))
    expect(french).toMatchObject({ status: 400, code: 'validation_failed', detail: 'roles: Unknown role: rol_nope.' })
    expect(french.errors).toEqual([{ field: 'roles', message: 'Rôle inconnu : rol_nope.' }])
    // The one field's message is also the problem's `message`, for a page that shows no field.
    expect(french.message).toBe('Rôle inconnu : rol_nope.')
    const english = await problem(await create(await login('owner@acme.test')))
    expect(english.errors).toEqual([{ field: 'roles', message: 'Unknown role: rol_nope.' }])
    expect(english).not.toHaveProperty('message')
  })

  it('says which limit was reached, with its value, in `message` (the English detail unchanged)', async () => {
    const acme = await accountId('Acme Hosting')
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM accounts WHERE parent_id = ? AND kind = 'customer' AND status != 'deleted'").bind(acme).first<{ n: number }>())!
    await env.DB.prepare('UPDATE accounts SET limits = ? WHERE id = ?').bind(JSON.stringify({ max_customers: n }), acme).run()
    const invite = (cookie: string) => api(`/accounts/${acme}/invitations`, { method: 'POST', cookie, json: { kind: 'customer', email: 'full@example.test' } })
    const french = await problem(await invite(await fr('owner@acme.test')))
    expect(french).toMatchObject({ status: 422, code: 'limit_reached', title: 'Limite atteinte', limit: 'max_customers', value: n })
    expect(french.detail).toContain(`This reseller may have at most ${n} customers.`)
    expect(french.message).toBe(`Ce revendeur peut avoir au plus ${n} clients.`)
    const english = await problem(await invite(await login('owner@acme.test')))
    expect(english.detail).toBe(french.detail)
    expect(english).not.toHaveProperty('message')
    await env.DB.prepare('UPDATE accounts SET limits = NULL WHERE id = ?').bind(acme).run()
  })

  it('gives the reasons an access review line stays in the reader’s language', async () => {
    const acme = await accountId('Acme Hosting')
    const read = async (cookie: string) => (await jsonOf(await api(`/accounts/${acme}/access-review`, { cookie }), 'getAccessReview')).lines
    const reason = (lines: Awaited<ReturnType<typeof read>>, email: string, kind = 'member') => lines.find((l) => l.kind === kind && l.principal.email === email && l.accountId === acme)?.reason
    const french = await read(await fr('sarah@acme.test'))
    expect(reason(french, 'owner@acme.test')).toBe('Le propriétaire d’un compte ne peut pas être retiré.')
    expect(reason(french, 'sarah@acme.test')).toBe('Vous ne pouvez pas vous retirer vous-même.')
    expect(reason(french, 'admin@nimbus.test', 'inherited')).toBe('Accordé dans Nimbus Cloud ; révisez ce compte pour le modifier.')
    const english = await read(await login('sarah@acme.test'))
    expect(reason(english, 'owner@acme.test')).toBe('The owner of an account cannot be removed.')
    expect(reason(english, 'admin@nimbus.test', 'inherited')).toBe('Granted in Nimbus Cloud; review that account to change it.')
  })

  it('explains a refused restore in French: the problem’s message and the line’s field message', async () => {
    const cookie = await fr('admin@nimbus.test')
    const archive = await api(`/accounts/${await accountId('Acme Hosting')}/backups/export?root=${await accountId('Driftwood Dental')}`, { cookie })
    expect(archive.status).toBe(200)
    const body = new Uint8Array(await archive.arrayBuffer())
    const globex = await accountId('Globex Partners')
    const restore = (c: string) => api(`/accounts/${globex}/backups/restore?dryRun=true`, { method: 'POST', cookie: c, body, headers: { 'content-type': 'application/gzip' } })
    const french = await problem(await restore(cookie))
    expect(french).toMatchObject({ status: 409, code: 'conflict', detail: 'This backup was taken under Acme Hosting, which still exists: restore it there.' })
    expect(french.message).toBe('Cette sauvegarde a été prise sous Acme Hosting, qui existe toujours : restaurez-la là.')
    expect(french.errors?.[0]?.message).toMatch(/^Restaurez-la sous Acme Hosting \(acc_\w+\)\.$/)
    const english = await problem(await restore(await login('admin@nimbus.test')))
    expect(english.errors?.[0]?.message).toMatch(/^Restore it under Acme Hosting \(acc_\w+\)\.$/)
  })

  it('titles a subscribed event’s notice and email in the subscriber’s language', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    expect((await api(`/accounts/${acme}/notifications/subscriptions`, { method: 'PUT', cookie: owner, json: { types: ['server_action'] } })).status).toBe(200)
    await env.DB.prepare("UPDATE users SET locale = 'fr' WHERE email = 'owner@acme.test'").run()
    // Sarah, who reads English, restarts a server: Alex is told in French.
    expect((await api(`/accounts/${acme}/services/${await serviceId('acme-control-01')}/actions/restart`, { method: 'POST', cookie: await login('sarah@acme.test') })).status).toBe(202)
    const inbox = await jsonOf(await api(`/me/notifications?account=${acme}`, { cookie: owner }), 'listMyNotices')
    expect(inbox.items[0]).toMatchObject({ type: 'server_action', title: 'Action serveur dans Acme Hosting' })
    const mail = await lastEmail('owner@acme.test')
    expect(mail.subject).toBe('[Acme Hosting] action serveur')
    expect(mail.text).toContain('« action serveur » dans Acme Hosting')
    await env.DB.prepare("UPDATE users SET locale = NULL WHERE email = 'owner@acme.test'").run()
  })

  it('tells each person of a ticket in their own language: the notice and the email', async () => {
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    await env.DB.prepare("UPDATE users SET locale = 'fr' WHERE email = 'sarah@acme.test'").run()
    const opened = await api(`/accounts/${bluebird}/tickets`, { method: 'POST', cookie: await login('owner@bluebird.test'), json: { subject: 'Four en panne', body: 'Le four ne chauffe plus.' } })
    expect(opened.status).toBe(201)
    const latest = async (email: string) => (await jsonOf(await api(`/me/notifications?account=${acme}`, { cookie: await login(email) }), 'listMyNotices')).items[0]
    expect(await latest('sarah@acme.test')).toMatchObject({ type: 'ticket', title: 'Nouveau ticket de Bluebird Bakery : Four en panne' })
    expect((await latest('sarah@acme.test'))?.body).toMatch(/ \(Bluebird Bakery\) a écrit : Le four ne chauffe plus\.$/)
    expect((await lastEmail('sarah@acme.test')).subject).toBe('Nouveau ticket de Bluebird Bakery : Four en panne')
    // Alex chose no language and Acme's portal has no default: English, as before.
    expect(await latest('owner@acme.test')).toMatchObject({ type: 'ticket', title: 'New ticket from Bluebird Bakery: Four en panne' })
    expect((await lastEmail('owner@acme.test')).subject).toBe('New ticket from Bluebird Bakery: Four en panne')
    await env.DB.prepare("UPDATE users SET locale = NULL WHERE email = 'sarah@acme.test'").run()
  })
})

describe('sentences the API writes, read by their English text', () => {
  it('finds a message for a sentence built with values, the most specific first, and keeps what it does not know', () => {
    withLocale('fr', () => {
      expect(localizeSentence('This reseller may have at most 1 customer.')).toBe('Ce revendeur peut avoir au plus 1 client.')
      expect(localizeSentence('This reseller may have at most 3 hosting services.')).toBe('Ce revendeur peut avoir au plus 3 services de type hébergement.')
      expect(localizeSentence('This reseller may have at most 1 dns zone service.')).toBe('Ce revendeur peut avoir au plus 1 service de type zone DNS.')
      // Words of the catalogue inside a sentence are the request's language's too; a value that is none stays.
      expect(localizeSentence('Billing is not available for this account.')).toBe('La section Facturation n’est pas disponible pour ce compte.')
      expect(localizeSentence("The file's content is image/png, not image/svg+xml.")).toBe('Le contenu du fichier est image/png, pas image/svg+xml.')
      // "who: sentence" keeps who; a sentence inside a sentence is read too.
      expect(localizeSentence('ann@example.test: You cannot remove yourself.')).toBe('ann@example.test: Vous ne pouvez pas vous retirer vous-même.')
      expect(localizeSentence('You may not remove 2 of these lines: The owner of an account cannot be removed.')).toBe(
        'Vous ne pouvez pas retirer 2 de ces lignes : Le propriétaire d’un compte ne peut pas être retiré.',
      )
      expect(localizeSentence('Something nobody wrote a message for.')).toBe('Something nobody wrote a message for.')
      expect(localizeSentence('name: Enter a name.; email: Not an email')).toBe('name: Enter a name.; email: Not an email')
    })
    withLocale('en', () => expect(localizeSentence('You cannot remove yourself.')).toBe('You cannot remove yourself.'))
  })

  it('has every English sentence of the messages once, so one text finds one message', () => {
    const seen = new Map<string, string>()
    const files = { ...enFields, ...enSentences } as Record<string, unknown>
    for (const [key, message] of Object.entries(files)) {
      if (!key.startsWith('field_') && !key.startsWith('sentence_')) continue
      const variants = typeof message === 'string' ? [message] : (message as { match: Record<string, string> }[]).flatMap((v) => Object.values(v.match))
      for (const text of new Set(variants)) {
        expect(seen.get(text), `${key} and ${seen.get(text)} say “${text}”`).toBeUndefined()
        seen.set(text, key)
      }
    }
  })
})
