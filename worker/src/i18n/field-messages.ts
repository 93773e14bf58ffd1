import { m } from './paraglide/messages.js'

type Draw = (inputs?: Record<string, never>, options?: { locale?: 'en' | 'fr' }) => string

/**
 * A field message the code writes in English (`z.string().min(1, 'Enter a name.')`,
 * `fieldError(…, 'Another login uses this email.')`), in the request's language: the English
 * sentence finds its message (worker/messages/*\/fields.json) by its English text. A sentence
 * with no message (one built with values) stays English. `detail` is never translated.
 */
let byEnglish: Map<string, Draw> | null = null

export function localizeFieldMessage(message: string): string {
  if (!byEnglish) {
    byEnglish = new Map()
    for (const [key, draw] of Object.entries(m as unknown as Record<string, Draw>)) {
      if (key.startsWith('field_')) byEnglish.set(draw({}, { locale: 'en' }), draw)
    }
  }
  const draw = byEnglish.get(message)
  return draw ? draw() : message
}
