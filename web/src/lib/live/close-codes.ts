/**
 * Why the server closed a live socket — the API's close codes (4000–4999,
 * documented on GET /accounts/{id}/activity/live). A page reads them to know
 * whether to reconnect or to say why live updates stopped. The web keeps its
 * own copy because it imports nothing from the worker; a worker test holds
 * the two equal (test/worker/unit/live-close-contract.test.ts).
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
