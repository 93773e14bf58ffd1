import { m } from '$lib/paraglide/messages.js'

/** How the accept page names what is wrong with a link, by the API's problem code (drawn in the page's language). */
export function invitationProblems(): Record<string, { status: number; title: string; detail: string }> {
  return {
    invitation_not_found: { status: 404, title: m.signedout_inv_not_found_title(), detail: m.signedout_inv_not_found_detail() },
    invitation_expired: { status: 410, title: m.signedout_inv_expired_title(), detail: m.signedout_inv_expired_detail() },
    invitation_revoked: { status: 410, title: m.signedout_inv_revoked_title(), detail: m.signedout_inv_revoked_detail() },
    invitation_used: { status: 410, title: m.signedout_inv_used_title(), detail: m.signedout_inv_used_detail() },
  }
}

/** The page for a problem code; anything unknown reads as an invalid link. */
export function invitationProblem(code: string) {
  const problems = invitationProblems()
  return problems[code] ?? problems.invitation_not_found!
}

/** The problem a page error message stands for (the error page gets the title as its message). */
export function problemByTitle(title: string | undefined) {
  return Object.entries(invitationProblems()).find(([, p]) => p.title === title)
}
