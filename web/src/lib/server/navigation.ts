import type { Cookies } from '@sveltejs/kit'

/** Remembers the account the user last opened, so `/` can return there. */
export const LAST_ACCOUNT_COOKIE = 'trellis_last_account'

/**
 * A same-site path to go to after signing in, or `/`. Refuses absolute and
 * protocol-relative URLs (`//evil.test`, `/\evil.test`) so `?next=` cannot be
 * used as an open redirect.
 */
export function safeNext(raw: string | null, origin: string): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/'
  try {
    const target = new URL(raw, origin)
    if (target.origin !== origin) return '/'
    // Dot segments normalise away (`/.//evil.test` → `//evil.test`), so check the result again.
    if (target.pathname.startsWith('//') || target.pathname.startsWith('/\\')) return '/'
    if (target.pathname === '/login' || target.pathname === '/logout') return '/'
    return target.pathname + target.search + target.hash
  } catch {
    return '/'
  }
}

/**
 * Remember the account for a year. It is a hint only (checked against /me
 * before use), so it is readable by the page: client-side navigations record
 * it with `rememberAccountInBrowser`, because a server load also runs for
 * link preloads (hover), which must not count as a visit.
 */
export function rememberAccount(cookies: Cookies, accountId: string, secure: boolean) {
  cookies.set(LAST_ACCOUNT_COOKIE, accountId, {
    path: '/',
    httpOnly: false,
    sameSite: 'lax',
    secure,
    maxAge: 60 * 60 * 24 * 365,
  })
}
