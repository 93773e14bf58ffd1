import { describe, expect, it } from 'vitest'
import { api } from '../../helpers/client.ts'

describe('GET /api/v1/health', () => {
  it('answers ok', async () => {
    const res = await api('/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
  })
})

describe('security headers', () => {
  it('keeps API answers same-origin, unframeable and unsniffable', async () => {
    const res = await api('/health')
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })
})
