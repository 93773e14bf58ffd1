import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { drainEmailQueue, EMAIL_RETRY_WINDOW_MS } from '../../../worker/src/adapters/email.ts'
import { createDb } from '../../../worker/src/db.ts'
import worker from '../../../worker/src/index.ts'
import { FREQUENT_CRON } from '../../../worker/src/scheduled.ts'
import { accountId, login } from '../../helpers/client.ts'

// The real Resend adapter against the local stand-in of Resend's API (test/helpers/resend-api.ts):
// an outage of the email provider never fails the request that sends mail; the mail waits, sealed,
// and the 5-minute cron sends it.
const provider = { ...env, RESEND_API_KEY: env.TEST_RESEND_KEY, RESEND_API_BASE: env.TEST_RESEND_BASE, EMAIL_FROM: 'Nimbus Cloud <mail@nimbus.test>' }
const control = async <T>(what: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${env.TEST_RESEND_BASE}/_control/${what}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })
  expect(res.ok).toBe(true)
  return (await res.json()) as T
}
type Sent = { from: string; to: string[]; subject: string; text: string }
const sentTo = async (email: string) => (await control<Sent[]>('emails')).filter((m) => m.to.includes(email))
const failNext = (about: string, status: number, times = 1) => control('fail', { about, status, times })

async function withProvider(path: string, init: { method?: string; cookie?: string; json?: unknown; ip?: string } = {}, bindings: typeof provider = provider) {
  const headers = new Headers({ origin: 'http://localhost' })
  if (init.cookie) headers.set('cookie', init.cookie)
  if (init.ip) headers.set('x-trellis-client-ip', init.ip)
  if (init.json !== undefined) headers.set('content-type', 'application/json')
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request(`http://localhost/api/v1${path}`, { method: init.method ?? 'GET', headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) }), bindings, ctx)
  await waitOnExecutionContext(ctx)
  return res
}

async function runFrequentCron(at = Date.now()) {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: FREQUENT_CRON }), provider, ctx)
  await waitOnExecutionContext(ctx)
}

const queued = async () => (await env.DB.prepare('SELECT id, message, attempts, last_error, created_at, next_attempt_at FROM email_queue ORDER BY created_at').all<{ id: string; message: string; attempts: number; last_error: string; created_at: number; next_attempt_at: number }>()).results

describe('mail while the email provider is down', () => {
  it('never fails the request: an invitation is created, its email waits sealed, and the 5-minute cron sends it', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    await failNext('queued-invite@example.test', 503)
    const res = await withProvider(`/accounts/${acme}/members`, { method: 'POST', cookie, json: { email: 'queued-invite@example.test', level: 'user', roles: [] } })
    expect(res.status, await res.clone().text()).toBe(201)
    expect(await sentTo('queued-invite@example.test')).toEqual([])

    const [row] = await queued()
    expect(row).toMatchObject({ attempts: 1 })
    expect(row!.last_error).toContain('503')
    // It holds a live invitation link: sealed, never readable in D1.
    expect(row!.message).toMatch(/^v1\./)
    expect(row!.message).not.toContain('queued-invite@example.test')
    expect(row!.message).not.toContain('/invite/')
    expect(row!.next_attempt_at).toBeGreaterThan(row!.created_at)

    // Not due yet: the cron leaves it.
    await runFrequentCron(row!.created_at)
    expect(await queued()).toHaveLength(1)
    await runFrequentCron(row!.next_attempt_at)
    expect(await queued()).toEqual([])
    const [mail] = await sentTo('queued-invite@example.test')
    expect(mail!.from).toBe('"Acme Hosting" <mail@nimbus.test>')
    expect(mail!.text).toMatch(/\/invite\/[a-z2-7]+/)
  })

  it('queues a password reset link too, answering as always', async () => {
    await failNext('tom@acme.test', 429)
    const res = await withProvider('/auth/password-reset', { method: 'POST', json: { email: 'tom@acme.test' }, ip: '10.66.1.1' })
    expect(res.status).toBe(202)
    const [row] = await queued()
    expect(row!.last_error).toContain('429')
    await runFrequentCron(row!.next_attempt_at)
    expect((await sentTo('tom@acme.test')).at(-1)!.text).toMatch(/\/reset-password\/[a-z2-7]{32}/)
  })

  it('retries with a growing delay while the provider stays down, and gives a message up after 24 hours', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    await failNext('stubborn@example.test', 500, 3)
    expect((await withProvider(`/accounts/${acme}/members`, { method: 'POST', cookie, json: { email: 'stubborn@example.test', level: 'user', roles: [] } })).status).toBe(201)
    const db = createDb(env.DB)
    const first = (await queued())[0]!
    await drainEmailQueue(provider, db, first.next_attempt_at)
    const second = (await queued())[0]!
    expect(second.attempts).toBe(2)
    expect(second.next_attempt_at - first.next_attempt_at).toBeGreaterThan(first.next_attempt_at - first.created_at)
    // Past the window, a failure gives it up (the provider fails once more here).
    expect(await drainEmailQueue(provider, db, first.created_at + EMAIL_RETRY_WINDOW_MS)).toMatchObject({ gaveUp: 1 })
    expect(await queued()).toEqual([])
    expect(await sentTo('stubborn@example.test')).toEqual([])
  })

  it('does not fail the request nor queue a message the provider refuses (retrying would be refused again)', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    await failNext('refused@example.test', 422)
    expect((await withProvider(`/accounts/${acme}/members`, { method: 'POST', cookie, json: { email: 'refused@example.test', level: 'user', roles: [] } })).status).toBe(201)
    expect(await queued()).toEqual([])
  })

  it('drops a queued message that no longer opens (the provider key changed) instead of sending garbage', async () => {
    await failNext('rotated@example.test', 503)
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    expect((await withProvider(`/accounts/${acme}/members`, { method: 'POST', cookie, json: { email: 'rotated@example.test', level: 'user', roles: [] } })).status).toBe(201)
    const row = (await queued())[0]!
    expect(await drainEmailQueue({ ...provider, RESEND_API_KEY: 'another-key' }, createDb(env.DB), row.next_attempt_at)).toMatchObject({ gaveUp: 1, sent: 0 })
    expect(await queued()).toEqual([])
  })
})
