import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'

describe('API documentation', () => {
  it('serves an OpenAPI 3.1 document listing every route', async () => {
    const res = await SELF.fetch('http://localhost/api/openapi.json')
    expect(res.status).toBe(200)
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/accounts/{id}',
      '/api/v1/accounts/{id}/activity',
      '/api/v1/accounts/{id}/activity/export',
      '/api/v1/accounts/{id}/activity/histogram',
      '/api/v1/accounts/{id}/activity/live',
      '/api/v1/accounts/{id}/activity/page-views',
      '/api/v1/accounts/{id}/activity/verify',
      '/api/v1/accounts/{id}/children',
      '/api/v1/accounts/{id}/members',
      '/api/v1/accounts/{id}/members/{memberId}',
      '/api/v1/accounts/{id}/menu',
      '/api/v1/accounts/{id}/roles',
      '/api/v1/accounts/{id}/roles/{roleId}',
      '/api/v1/accounts/{id}/services',
      '/api/v1/accounts/{id}/services/facets',
      '/api/v1/accounts/{id}/services/{sid}',
      '/api/v1/accounts/{id}/services/{sid}/actions/{action}',
      '/api/v1/accounts/{id}/services/{sid}/partner-access',
      '/api/v1/auth/login',
      '/api/v1/auth/logout',
      '/api/v1/catalogue',
      '/api/v1/health',
      '/api/v1/me',
    ])
    expect(doc.paths['/api/v1/auth/login']).toHaveProperty('post')
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
})
