import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import apiConfig from '../../../wrangler.toml?raw'
import webConfig from '../../../web/wrangler.toml?raw'
import worker from '../../../worker/src/index.ts'
import { cookieSecure } from '../../../worker/src/middleware/session.ts'
import { api } from '../../helpers/client.ts'

const DAY = 24 * 60 * 60 * 1000

/** Run the Cron Trigger as Cloudflare would, through the worker's own `scheduled` handler. */
async function runCron(at: number) {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: '30 3 * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
}

describe('an https deployment', () => {
  it('marks the session cookie Secure when the deployment is https, even if the request URL says http', async () => {
    // Protects against the session cookie travelling in clear text when TLS ends before the worker (the URL is then http).
    expect(env.HTTPS_ONLY).toBe('true')
    const res = await api('/auth/login', { method: 'POST', json: { email: 'owner@acme.test', password: 'trellis-demo' }, ip: '10.61.0.1' })
    expect(res.status).toBe(200)
    const cookie = res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/trellis_session=[^;]+/)
    expect(cookie).toMatch(/;\s*Secure/i)
    expect(cookie).toMatch(/;\s*HttpOnly/i)
  })

  it('keeps local http working: with HTTPS_ONLY off the cookie follows the request scheme', () => {
    expect(cookieSecure({ HTTPS_ONLY: 'false' }, 'http://localhost:8787/api/v1/auth/login')).toBe(false)
    expect(cookieSecure({ HTTPS_ONLY: 'false' }, 'https://portal.example.com/api/v1/auth/login')).toBe(true)
    expect(cookieSecure({}, 'http://acme.localhost:8787/')).toBe(false)
    expect(cookieSecure({ HTTPS_ONLY: 'true' }, 'http://localhost:8787/')).toBe(true)
    // The canonical origin says https (npm run deploy insists on it): Secure too.
    expect(cookieSecure({ HTTPS_ONLY: 'false', PUBLIC_ORIGIN: 'https://portal.example.com' }, 'http://portal.example.com/')).toBe(true)
    expect(cookieSecure({ HTTPS_ONLY: 'false', PUBLIC_ORIGIN: 'http://localhost:8787' }, 'http://localhost:8787/')).toBe(false)
  })

  it('publishes neither worker on workers.dev', () => {
    // Protects against a second, unbranded origin (and the API without the web worker in front) on *.workers.dev.
    for (const [name, config] of [['wrangler.toml', apiConfig], ['web/wrangler.toml', webConfig]] as const) {
      expect(config, name).toMatch(/^workers_dev\s*=\s*false\s*$/m)
    }
  })
})

describe('the daily cron', () => {
  it('prunes expired sessions and rate-limit rows whose windows are long over, and keeps the live ones', async () => {
    // Protects against dead session hashes and per-IP counters piling up forever in D1.
    const now = Date.now()
    const user = (await env.DB.prepare("SELECT id FROM users WHERE email = 'owner@acme.test'").first<{ id: string }>())!.id
    const session = (id: string, expiresAt: number) =>
      env.DB.prepare('INSERT INTO sessions (id, secret_hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)').bind(id, 'x', user, expiresAt, now - 40 * DAY)
    const counter = (key: string, windowStart: number) => env.DB.prepare('INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 3)').bind(key, windowStart)
    await env.DB.batch([
      session('ses_expired', now - 1000),
      session('ses_live', now + DAY),
      counter('login-ip:10.0.0.1', now - 8 * DAY),
      counter('login-ip:10.0.0.2', now - 60_000),
    ])
    await runCron(now)
    const sessions = await env.DB.prepare("SELECT id FROM sessions WHERE id IN ('ses_expired', 'ses_live')").all<{ id: string }>()
    expect(sessions.results.map((r) => r.id)).toEqual(['ses_live'])
    const counters = await env.DB.prepare("SELECT key FROM rate_limits WHERE key LIKE 'login-ip:10.0.0.%'").all<{ key: string }>()
    expect(counters.results.map((r) => r.key)).toEqual(['login-ip:10.0.0.2'])
  })
})
