import type { DB } from '../db.ts'
import { brandForAccount } from './brands.ts'

/** The platform's own host: the first of PLATFORM_HOSTNAMES, else localhost. */
const platformHost = (platformHostnames: string | undefined) => (platformHostnames ?? 'localhost').split(',')[0]!.trim() || 'localhost'

/**
 * The address of the portal where the people of the account at `accountPath`
 * belong: its reseller's first verified hostname, else the platform's own host
 * (scheme and port as in `url`). Also names the brand, for messages.
 */
export async function homePortal(db: DB, accountPath: string | null, url: URL, platformHostnames: string | undefined) {
  const brand = accountPath ? await brandForAccount(db, accountPath) : null
  const host = brand?.hostname ?? platformHost(platformHostnames)
  return { address: `${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`, name: brand?.name ?? 'your provider' }
}

/** Why this portal is the wrong one, and the address of the right one. */
export interface PortalRefusal {
  detail: string
  portal: string
}

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
): Promise<PortalRefusal | null> {
  if (accounts.some((a) => a.path.startsWith(portal.path))) return null
  const { address, name } = await homePortal(db, accounts[0]?.path ?? null, url, platformHostnames)
  return { detail: `This portal is not where your account lives. Sign in at ${name}'s portal: ${address}`, portal: address }
}

/**
 * An invitation into another tree, opened on a reseller's portal: refused with
 * the address of the inviting tree's own portal (the route answers 403 `wrong_portal`),
 * so nobody is signed up into one tree under another reseller's brand. The
 * platform's own hosts serve every tree. The refusal names nothing of the
 * invitation: the link's holder learns only where to open it.
 */
export async function invitationPortalRefusal(
  db: DB,
  portal: { id: string; path: string } | null,
  invitationAccountPath: string,
  url: URL,
  platformHostnames: string | undefined,
): Promise<PortalRefusal | null> {
  if (!portal || invitationAccountPath.startsWith(portal.path)) return null
  const { address } = await homePortal(db, invitationAccountPath, url, platformHostnames)
  return { detail: `This invitation belongs to another portal. Open it at ${address}`, portal: address }
}
