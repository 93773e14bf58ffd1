/** How the accept page names what is wrong with a link, by the API's problem code. */
export const INVITATION_PROBLEMS: Record<string, { status: number; title: string; detail: string }> = {
  invitation_not_found: {
    status: 404,
    title: 'This invitation link is not valid',
    detail: 'The link may be incomplete or mistyped, or it was replaced by a newer invitation. Ask the person who invited you to send it again.',
  },
  invitation_expired: {
    status: 410,
    title: 'This invitation has expired',
    detail: 'Invitations are valid for 7 days. Ask the person who invited you to resend it; the new email carries a fresh link.',
  },
  invitation_revoked: {
    status: 410,
    title: 'This invitation was withdrawn',
    detail: 'The person who invited you cancelled it. If you think this is a mistake, ask them to invite you again.',
  },
  invitation_used: {
    status: 410,
    title: 'This invitation has already been accepted',
    detail: 'Each invitation link works once. If it was you who accepted it, sign in to reach the account.',
  },
}

/** The page for a problem code; anything unknown reads as an invalid link. */
export function invitationProblem(code: string) {
  return INVITATION_PROBLEMS[code] ?? INVITATION_PROBLEMS.invitation_not_found!
}

/** The problem a page error message stands for (the error page gets the title as its message). */
export function problemByTitle(title: string | undefined) {
  return Object.entries(INVITATION_PROBLEMS).find(([, p]) => p.title === title)
}
