import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env.ts'

/**
 * The caller's IP. The web worker overwrites `x-trellis-client-ip` on every
 * request it forwards; this worker has no public route, so nobody else can set it.
 */
export const clientIp = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set('clientIp', c.req.header('x-trellis-client-ip') ?? c.req.header('cf-connecting-ip') ?? 'unknown')
    await next()
  })

/**
 * Where the edge placed the caller (Cloudflare's country code and city), when
 * it knew: stamped by the web worker (`x-trellis-client-country`/`-city`,
 * overwritten on every request it forwards), else this request's own `cf`.
 */
export function clientPlace(req: { header(name: string): string | undefined; raw: Request }) {
  const cf = (req.raw as Request & { cf?: { country?: unknown; city?: unknown } }).cf
  const decode = (v: string | undefined) => {
    if (v === undefined) return undefined
    try {
      return decodeURIComponent(v)
    } catch {
      return undefined
    }
  }
  const pick = (stamped: string | undefined, own: unknown) => {
    const value = decode(stamped) ?? (typeof own === 'string' ? own : undefined)
    return value && value.trim() && value !== 'XX' && value !== 'T1' ? value.trim() : null
  }
  return { country: pick(req.header('x-trellis-client-country'), cf?.country), city: pick(req.header('x-trellis-client-city'), cf?.city) }
}
