import { serviceTypes } from '../../../db/schema/services.ts'
import fields from '../../messages/en/fields.json'
import sentences from '../../messages/en/sentences.json'
import { sections } from '../authz/catalogue.ts'
import { m } from './paraglide/messages.js'
import { getLocale } from './paraglide/runtime.js'

type Draw = (inputs?: Record<string, unknown>, options?: { locale?: 'en' | 'fr' }) => string

/**
 * A sentence the code writes in English for a person to read — a field message
 * (`z.string().min(1, 'Enter a name.')`, `fieldError(…, 'Unknown role: ops.')`), why a line of
 * an access review cannot be removed, a note of a restore, the specific part of a problem — in
 * the request's language. The English sentence finds its message (worker/messages/*\/fields.json
 * and sentences.json, keys `field_…` and `sentence_…`) by its English text; a message with
 * placeholders matches the sentence its English text makes with any values, and draws the
 * same values into the other language (a `{sentence}` placeholder is itself a sentence, read
 * the same way; `{section}` and `{type}` are words of the catalogue: `terms`). "who: sentence"
 * keeps who and reads the sentence. A sentence with no message stays English. The code's
 * English never changes (decision 034).
 */
interface Pattern {
  regex: RegExp
  names: string[]
  draw: Draw
  /** Literal characters: the most specific message wins when two match. */
  weight: number
}

let exact: Map<string, Draw> | null = null
let patterns: Pattern[] = []

const unescape = (text: string) => text.replace(/\\([{}\\])/g, '$1')
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Every English text of a message: the string, or each variant of a plural. */
function texts(message: unknown): string[] {
  if (typeof message === 'string') return [message]
  if (Array.isArray(message)) return message.flatMap((v: { match?: Record<string, string> }) => Object.values(v.match ?? {}))
  return []
}

function load() {
  exact = new Map()
  patterns = []
  const drawn = m as unknown as Record<string, Draw | undefined>
  for (const [key, message] of Object.entries({ ...fields, ...sentences })) {
    if (!key.startsWith('field_') && !key.startsWith('sentence_')) continue
    const draw = drawn[key]
    if (!draw) continue
    for (const text of texts(message)) {
      // Split on placeholders: literal, name, literal, name, …, literal.
      const parts = text.split(/(?<!\\)\{(\w+)\}/)
      if (parts.length === 1) {
        exact.set(unescape(text), draw)
        continue
      }
      const names: string[] = []
      let source = '^'
      let weight = 0
      parts.forEach((part, i) => {
        if (i % 2) {
          names.push(part)
          source += '(.+?)'
        } else {
          const literal = unescape(part)
          weight += literal.length
          source += escapeRegExp(literal)
        }
      })
      patterns.push({ regex: new RegExp(`${source}$`, 's'), names, draw, weight })
    }
  }
  patterns.sort((a, b) => b.weight - a.weight)
}

/**
 * Words the code puts inside its sentences, found by their English and drawn in the request's
 * language: a section's label (`{section}`) and a service type as sentences write it (`{type}`:
 * "dns zone"). Another value stays as it is.
 */
const terms: Record<string, (english: string) => string> = {
  section: (label) => term(`term_section_${sections.find((s) => s.label === label)?.key}`, label),
  type: (word) => term(`term_service_type_${serviceTypes.find((t) => t.replace('_', ' ') === word)}`, word),
}
function term(key: string, english: string): string {
  const draw = (m as unknown as Record<string, Draw | undefined>)[key]
  return draw ? draw() : english
}

/** `text` in the request's language when it has a message; otherwise `text` itself. */
export function localizeSentence(text: string): string {
  if (getLocale() === 'en' || !text) return text
  if (!exact) load()
  const draw = exact!.get(text)
  if (draw) return draw()
  for (const p of patterns) {
    const match = p.regex.exec(text)
    if (!match) continue
    const inputs: Record<string, string> = {}
    p.names.forEach((name, i) => {
      const value = match[i + 1]!
      inputs[name] = name === 'sentence' ? localizeSentence(value) : (terms[name]?.(value) ?? value)
    })
    return p.draw(inputs)
  }
  // "roles: …", "ann@example.test: …": the part before the first colon is a name, the rest a sentence.
  // (A prefix that holds a sentence's end is no name: "Enter a name.; email: …" stays as it is.)
  const prefixed = /^((?:(?!; |\. )[^:\n]){1,200}): (.+)$/s.exec(text)
  if (prefixed) {
    const rest = localizeSentence(prefixed[2]!)
    if (rest !== prefixed[2]) return `${prefixed[1]}: ${rest}`
  }
  return text
}
