import { invalidateAll } from '$app/navigation'
import { navigating } from '$app/state'
import { navigationMayBeStarting } from './navigation-gap'

// Loaded with the first change or rights change a page must follow, not with the page.

const waiting = new Map<boolean, Promise<void>>()
const busy = (dialogs: boolean) =>
  Boolean(navigating.to) || navigationMayBeStarting() || (dialogs && document.querySelector('[role="dialog"], [role="alertdialog"]') !== null)

/**
 * Refresh the page's data once no navigation may be starting or under way (see navigation-gap.ts) and,
 * when `dialogs`, no dialog is open (its form would be reset while someone types). Resolves with the new data.
 */
export function refreshWhenIdle(dialogs: boolean): Promise<void> {
  if (!busy(dialogs)) return invalidateAll()
  let pending = waiting.get(dialogs)
  if (!pending) {
    pending = new Promise((resolve) => {
      const retry = () => {
        if (busy(dialogs)) return void setTimeout(retry, 1000)
        waiting.delete(dialogs)
        resolve(invalidateAll())
      }
      setTimeout(retry, 1000)
    })
    waiting.set(dialogs, pending)
  }
  return pending
}
