/**
 * A navigation is under way before `navigating` says so: SvelteKit first asks the server for the route
 * (router.resolution 'server'), and an invalidation that starts in that gap aborts the navigation and leaves
 * `navigating` set for good (sveltejs/kit#17114), so the page would stay on its skeleton and never arrive.
 * Whoever starts a navigation says so here (a click on a link, a form whose answer is a redirect), and the
 * live refresh waits until it has arrived or the time given has passed.
 */
let until = 0

/** A navigation is starting; it may take up to `ms` to be seen by `navigating`. */
export function navigationStarting(ms: number) {
  until = Math.max(until, Date.now() + ms)
}

/** The navigation arrived (or the form's redirect was followed). */
export function navigationArrived() {
  until = 0
}

/** Whether a navigation may be starting that `navigating` does not show yet. */
export function navigationMayBeStarting() {
  return Date.now() < until
}
