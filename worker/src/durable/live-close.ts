/**
 * Why the server closed a live socket: WebSocket close codes in the range
 * 4000–4999 that belongs to applications. The web app keeps a copy (it imports
 * nothing from the worker; a test holds the two equal), so a page knows whether to reconnect or to say why
 * live updates stopped.
 */
export const liveClose = {
  /** The session ended (sign-out, expiry, revocation): sign in again; never reconnect. */
  signedOut: { code: 4401, reason: 'signed out' },
  /** The membership or account that gave access is gone (removed, disabled, deleted): never reconnect. */
  accessEnded: { code: 4403, reason: 'access ended' },
  /** The person's rights changed (level, roles): reconnect at once; the new connection is authorized afresh. */
  rightsChanged: { code: 4409, reason: 'rights changed' },
  /** The impersonation the socket acted under ended (exit, or its 60 minutes): never reconnect. */
  impersonationEnded: { code: 4410, reason: 'impersonation ended' },
} as const

export type LiveCloseKind = keyof typeof liveClose

/** The kind of ending a close code names, or null for any other close (network, deploy: reconnect). */
export function liveCloseKind(code: number): LiveCloseKind | null {
  for (const [kind, value] of Object.entries(liveClose) as [LiveCloseKind, (typeof liveClose)[LiveCloseKind]][]) if (value.code === code) return kind
  return null
}
