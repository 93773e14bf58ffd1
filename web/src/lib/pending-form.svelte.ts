import type { ActionResult, SubmitFunction } from '@sveltejs/kit'

/**
 * A form with one button that says it is busy while the action runs (sign-in steps, password reset,
 * email links, the banners' buttons): what was typed stays after a refusal. `settle`, when given,
 * takes the answer instead of the page's usual update (say, to show a toast and stay put).
 */
export class PendingForm {
  busy = $state(false)

  constructor(private settle?: (result: ActionResult) => void) {}

  enhance: SubmitFunction = () => {
    this.busy = true
    return async ({ result, update }) => {
      if (this.settle) this.settle(result)
      else await update({ reset: false })
      this.busy = false
    }
  }
}
