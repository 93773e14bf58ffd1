import { describe, expect, it } from 'vitest'
import { handle } from '../../../web/src/hooks.server.ts'

type HandleInput = Parameters<typeof handle>[0]

/** Run the web worker's hook for a page request, with SvelteKit's renderer stubbed by `page`. */
async function render(url: string, page: () => Response = () => new Response('<!doctype html><p>Sarah Connor</p>', { headers: { 'content-type': 'text/html' } })) {
  const event = {
    url: new URL(url),
    request: new Request(url),
    getClientAddress: () => '203.0.113.9',
    platform: undefined,
    // A chosen language: the page's language then needs no brand from the API (none runs here).
    cookies: { get: (name: string) => (name === 'trellis-lang' ? 'fr' : undefined) },
    locals: {},
  } as unknown as HandleInput['event']
  return handle({ event, resolve: async () => page() })
}

describe('web pages (hooks.server.ts)', () => {
  it('send HSTS on pages served over https, and not over http', async () => {
    // Protects against a first visit over https being downgraded to http on the next one (SSL stripping).
    const secure = await render('https://portal.example.com/login')
    expect(secure.headers.get('strict-transport-security')).toMatch(/^max-age=\d{7,}/)
    const local = await render('http://localhost:8787/login')
    expect(local.headers.get('strict-transport-security')).toBeNull()
  })

  it('mark every page no-store unless a route chose its own caching', async () => {
    // Protects against Back (or a shared computer's cache) showing a private page's names after logout.
    const page = await render('https://portal.example.com/a/acc_1/staff')
    expect(page.headers.get('cache-control')).toBe('no-store')
    const data = await render('https://portal.example.com/a/acc_1/staff/__data.json', () => new Response('{}', { headers: { 'content-type': 'application/json' } }))
    expect(data.headers.get('cache-control')).toBe('no-store')
    const chosen = await render('https://portal.example.com/a/acc_1/services/more', () => new Response('{}', { headers: { 'cache-control': 'private, no-store, max-age=0' } }))
    expect(chosen.headers.get('cache-control')).toBe('private, no-store, max-age=0')
  })
})
