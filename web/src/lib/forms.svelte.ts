import type { ActionResult, SubmitFunction } from '@sveltejs/kit'
import { m } from '$lib/paraglide/messages.js'
import { FORM_SAVED } from './components/ui/kept-edit.svelte'
import { toasts } from './toast.svelte'
import { navigationArrived, navigationStarting } from './live/navigation-gap'

type Done = Extract<ActionResult, { type: 'success' | 'redirect' }>

/**
 * The state of one enhanced form: `saving` disables its submit button, a
 * refused action's field errors and message show inline, a successful one
 * shows a toast, runs `onSuccess` (close the dialog) and refreshes the page's
 * data so tables show the change. The form's fields stop keeping what was
 * typed in them once it is saved, so the refresh shows the saved values.
 */
export class ActionForm {
  saving = $state(false)
  errors = $state<Record<string, string>>({})
  message = $state<string | undefined>()

  constructor(
    private options: {
      success?: string | ((result: Done) => string | undefined)
      onSuccess?: (result: Done) => void
      /** Reset the form's inputs after success (default true). */
      reset?: boolean
    } = {},
  ) {}

  /** Forget a field's error once it is changed (`scopeMode` counts as `scope`); use as the form's `oninput`. */
  forget = (event: Event) => {
    const name = (event.target as HTMLInputElement | null)?.name
    if (!name) return
    const field = name.startsWith('scope') ? 'scope' : name
    if (field in this.errors) {
      const { [field]: _gone, ...rest } = this.errors
      this.errors = rest
    }
  }

  /** Forget the errors of an earlier attempt (e.g. when a dialog opens again). */
  clear() {
    this.errors = {}
    this.message = undefined
  }

  enhance: SubmitFunction = ({ formElement }) => {
    this.saving = true
    this.clear()
    return async ({ result, update }) => {
      if (result.type === 'failure') {
        const data = (result.data ?? {}) as { errors?: Record<string, string>; message?: string }
        this.errors = data.errors ?? {}
        this.message = data.message
        this.saving = false
        return
      }
      if (result.type === 'error') {
        this.message = (result.error as { message?: string } | undefined)?.message ?? m.common_error_generic()
        this.saving = false
        return
      }
      const { success, onSuccess } = this.options
      const message = typeof success === 'function' ? success(result) : success
      onSuccess?.(result)
      formElement.dispatchEvent(new Event(FORM_SAVED))
      // A redirect is followed by a navigation SvelteKit does not show at once (see live/navigation-gap.ts).
      if (result.type === 'redirect') navigationStarting(30_000)
      try {
        await update({ reset: this.options.reset ?? true })
      } finally {
        if (result.type === 'redirect') navigationArrived()
      }
      this.saving = false
      // After the refresh, so the message and the changed page arrive together.
      if (message) toasts.push(message)
    }
  }
}

/** What a successful action answered under `key`, as text (the name its toast shows), or `fallback`. */
export function answered(result: Done, key: string, fallback = ''): string {
  const value = result.type === 'success' ? result.data?.[key] : undefined
  return value === undefined || value === null || value === '' ? fallback : String(value)
}
