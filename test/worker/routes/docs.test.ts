import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { api } from '../../../worker/src/index.ts'
import committed from '../../../web/src/lib/api/openapi.json'
import operations from '../../../worker/src/operations.json'

describe('API documentation', () => {
  it('serves an OpenAPI 3.1 document listing every route', async () => {
    const res = await SELF.fetch('http://localhost/api/openapi.json')
    expect(res.status).toBe(200)
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
    expect(doc.openapi).toBe('3.1.0')
    // Every route the API serves is documented, method by method (the router is the source of truth).
    const served = api.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
    expect([...new Set(served)].sort()).toEqual(documented.sort())
    for (const path of ['/api/v1/auth/login', '/api/v1/me', '/api/v1/accounts/{id}/invitations', '/api/v1/impersonation', '/api/v1/invitations/{token}/accept']) {
      expect(Object.keys(doc.paths)).toContain(path)
    }
    expect(doc.paths['/api/v1/auth/login']).toHaveProperty('post')
  })

  // The web app's types are generated from its copy (decision record 012): a route changed without `npm run contract` fails here.
  it('serves exactly the document the web app is typed from (web/src/lib/api/openapi.json)', async () => {
    const res = await SELF.fetch('http://localhost/api/openapi.json')
    expect(await res.json()).toEqual(committed)
  })

  // Each operation's words live in operations.json (decision 032): none may be missing there, none left behind when a route goes.
  it('documents every operation from operations.json, and the catalogue holds nothing else', async () => {
    const doc = (await (await SELF.fetch('http://localhost/api/openapi.json')).json()) as { paths: Record<string, Record<string, { operationId: string; summary: string; description: string }>> }
    const ops = Object.values(doc.paths).flatMap((byMethod) => Object.values(byMethod))
    expect(ops.map((op) => op.operationId).sort()).toEqual(Object.keys(operations).sort())
    for (const op of ops) {
      const words = operations[op.operationId as keyof typeof operations]
      expect(op.summary).toBe(words.summary)
      expect(op.description).toBe(words.description)
      expect(words.summary.length).toBeGreaterThan(0)
      expect(words.description.length).toBeGreaterThan(0)
    }
  })

  it('renders a readable reference at /api/docs with no external assets', async () => {
    const res = await SELF.fetch('http://localhost/api/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
    const html = await res.text()
    expect(html).toContain('/api/v1/auth/login')
    expect(html).toContain('Sign in with email and password')
    expect(html).not.toMatch(/<script|https:\/\/cdn/)
  })
  it('documents both ways to authenticate: the session cookie and an API key as a Bearer token', async () => {
    const doc = (await (await SELF.fetch('http://localhost/api/openapi.json')).json()) as {
      security: Record<string, string[]>[]
      components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }> }
    }
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'trellis_session' })
    expect(doc.security).toEqual([{ session: [] }, { apiKey: [] }])
    const html = await (await SELF.fetch('http://localhost/api/docs')).text()
    expect(html).toContain('Calling the API with a key')
    expect(html).toContain('Authorization: Bearer trl_')
  })
})
