import type { DB } from '../db.ts'
import { AppError } from '../errors.ts'
import { brandForAccount } from './brands.ts'

/**
 * Which portal a login belongs on. On a reseller's hostname only members of
 * that reseller's tree sign in; anyone else is told to use their own portal
 * (asked only after their password was verified, so it reveals nothing to
 * someone who does not hold it).
 */
export async function portalRefusal(
  db: DB,
  portal: { id: string; path: string },
  accounts: readonly { id: string; path: string }[],
  url: URL,
  platformHostnames: string | undefined,
): Promise<AppError | null> {
  if (accounts.some((a) => a.path.startsWith(portal.path))) return null
  const home = accounts[0]
  const brand = home ? await brandForAccount(db, home.path) : null
  const host = brand?.hostname ?? (platformHostnames ?? 'localhost').split(',')[0]!.trim()
  const address = `${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`
  const name = brand?.name ?? 'your provider'
  return new AppError(403, 'wrong_portal', `This portal is not where your account lives. Sign in at ${name}'s portal: ${address}`, { portal: address })
}
