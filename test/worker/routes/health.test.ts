import { describe, expect, it } from 'vitest'
import { api } from '../../helpers/client.ts'

describe('GET /api/v1/health', () => {
  it('answers ok', async () => {
    const res = await api('/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
  })
})
