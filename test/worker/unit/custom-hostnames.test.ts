import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { cloudflareCustomHostnames, customHostnamesFor, EdgeRefused, EdgeUnavailable, tlsState } from '../../../worker/src/adapters/custom-hostnames.ts'
import { cloudflareControl } from '../../helpers/client.ts'

// The real adapter against a local stand-in of Cloudflare's Custom Hostnames API (test/helpers/cloudflare-api.ts).
const api = () => cloudflareCustomHostnames({ token: env.SAAS_API_TOKEN, zoneId: env.SAAS_ZONE_ID, base: env.SAAS_API_BASE })

describe('the Cloudflare for SaaS adapter', () => {
  it('adds a hostname, follows its certificate until active, finds it by name and removes it', async () => {
    const edge = api()
    const created = await edge.create('portal.adapter-life.example')
    expect(created).toMatchObject({ hostname: 'portal.adapter-life.example', tls: { status: 'pending', detail: 'The certificate is pending validation.' } })
    expect((await edge.get(created.id))?.id).toBe(created.id)
    expect((await edge.find('portal.adapter-life.example'))?.id).toBe(created.id)
    expect(await edge.find('portal.adapter-nowhere.example')).toBeNull()

    await cloudflareControl('ssl', { hostname: 'portal.adapter-life.example', status: 'active' })
    expect((await edge.get(created.id))?.tls).toEqual({ status: 'active', detail: null })

    await edge.remove(created.id)
    expect(await edge.get(created.id)).toBeNull()
    // Removing what is already gone is done, not an error.
    await edge.remove(created.id)
  })

  it("passes on Cloudflare's refusals with their codes: a duplicate, an invalid name, a bad token", async () => {
    const edge = api()
    await edge.create('portal.adapter-dup.example')
    const duplicate = await edge.create('portal.adapter-dup.example').catch((e: unknown) => e)
    expect(duplicate).toBeInstanceOf(EdgeRefused)
    expect((duplicate as EdgeRefused).codes).toEqual([1406])
    expect(await edge.create('not a hostname').catch((e: unknown) => e)).toBeInstanceOf(EdgeRefused)
    const forged = cloudflareCustomHostnames({ token: 'not-the-token', zoneId: env.SAAS_ZONE_ID, base: env.SAAS_API_BASE })
    const auth = await forged.create('portal.adapter-auth.example').catch((e: unknown) => e)
    expect(auth).toBeInstanceOf(EdgeRefused)
    expect((auth as EdgeRefused).codes).toEqual([10000])
  })

  it('tells rate limits and outages (try again later) from refusals, with the wait Cloudflare asks for', async () => {
    const edge = api()
    await cloudflareControl('fail', { hostname: 'portal.adapter-busy.example', status: 429, times: 1, retryAfter: 30 })
    const limited = await edge.create('portal.adapter-busy.example').catch((e: unknown) => e)
    expect(limited).toBeInstanceOf(EdgeUnavailable)
    expect((limited as EdgeUnavailable).retryAfterSeconds).toBe(30)
    await cloudflareControl('fail', { hostname: 'portal.adapter-busy.example', status: 503, times: 1 })
    expect(await edge.create('portal.adapter-busy.example').catch((e: unknown) => e)).toBeInstanceOf(EdgeUnavailable)
    // The failures were used up: the next call goes through.
    expect((await edge.create('portal.adapter-busy.example')).hostname).toBe('portal.adapter-busy.example')
  })

  it("folds Cloudflare's many certificate states into pending, active and failed, keeping its reason", () => {
    expect(tlsState({ id: 'x', hostname: 'h', ssl: { status: 'pending_issuance' } })).toEqual({ status: 'pending', detail: 'The certificate is pending issuance.' })
    expect(tlsState({ id: 'x', hostname: 'h', ssl: { status: 'validation_timed_out', validation_errors: [{ message: 'CAA record prevents issuance' }] } })).toEqual({
      status: 'failed',
      detail: 'CAA record prevents issuance',
    })
    expect(tlsState({ id: 'x', hostname: 'h', status: 'blocked', ssl: { status: 'active' } }).status).toBe('failed')
    expect(tlsState({ id: 'x', hostname: 'h', ssl: null }).status).toBe('pending')
  })

  it('is off, and says so, without a token and a zone', () => {
    expect(customHostnamesFor({})).toBeNull()
    expect(customHostnamesFor({ SAAS_API_TOKEN: 't' })).toBeNull()
    expect(customHostnamesFor({ SAAS_API_TOKEN: 't', SAAS_ZONE_ID: 'z' })).not.toBeNull()
  })
})
