import { beforeNavigate } from '$app/navigation'
import type { Attachment } from 'svelte/attachments'

/** Dispatched on a form whose action succeeded, before the page's data refreshes: its fields let go of what was typed. */
export const FORM_SAVED = 'trellis:saved'

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement

/**
 * What a person typed or chose in one field, kept while the page's data refreshes under it: a change
 * elsewhere in the account refreshes the page, and a form that starts from the saved values would
 * otherwise write them back over the person's edit. Kept from their first input until the form is
 * saved or reset, or they leave the page.
 */
export class KeptEdit {
  #typed = $state<string | null>(null)

  /** `value` reads the field's bound value and `write` sets it (in the field component's script). */
  constructor(value: () => string | null | undefined, write: (value: string) => void) {
    $effect.pre(() => {
      const typed = this.#typed
      if (typed !== null && value() !== typed) write(typed)
    })
    // Another page (another account's settings in the same component) starts from its own values.
    beforeNavigate(() => {
      this.#typed = null
    })
  }

  /** Attach to the field's control: its input is the person's edit; its form's reset or save ends it. */
  control: Attachment<Control> = (control) => {
    const typed = () => {
      this.#typed = control.value
    }
    const done = () => {
      this.#typed = null
    }
    const form = control.form
    // Before the binding's own listener: writing the bound value runs the effect above at once, which
    // must already know this edit is the person's.
    control.addEventListener('input', typed, { capture: true })
    form?.addEventListener('reset', done)
    form?.addEventListener(FORM_SAVED, done)
    return () => {
      control.removeEventListener('input', typed, { capture: true })
      form?.removeEventListener('reset', done)
      form?.removeEventListener(FORM_SAVED, done)
    }
  }
}
