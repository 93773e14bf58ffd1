import { m } from './i18n/paraglide/messages.js'
import { getLocale } from './i18n/paraglide/runtime.js'
import type { Locale } from './i18n/locale.ts'
/**
 * Plain words for a zod issue: what a person reading a form error should see
 * ("At most 120 characters."), never the validator's own text ("Too big:
 * expected string to have <=120 characters"). A message a schema wrote itself
 * (`z.string().min(1, 'Enter a name.')`) is kept as it is.
 */

/** The shape of a zod 4 issue this reads (a structural subset, so any zod issue fits). */
export interface ZodIssueLike {
  code: string
  message: string
  path: readonly PropertyKey[]
  input?: unknown
  origin?: string
  minimum?: number | bigint
  maximum?: number | bigint
  inclusive?: boolean
  expected?: string
  format?: string
  values?: readonly unknown[]
  keys?: readonly string[]
}

/** Zod's default messages all start like this; a schema's own message does not. */
const DEFAULT_MESSAGE = /^(Too big|Too small|Invalid( input| option| string| email| URL| UUID| format| key| element| value|$|:)|Unrecognized key|Expected |Required$|Number must|String must|Array must)/

const n = (v: number | bigint | undefined) => (typeof v === 'bigint' ? Number(v) : (v ?? 0))

type Options = { locale?: Locale }

const TYPE_WORDS: Record<string, (inputs: Record<string, never>, options: Options) => string> = {
  string: m.valid_enter_text,
  number: m.valid_enter_number,
  int: m.valid_enter_whole_number,
  boolean: m.valid_choose_yes_no,
  array: m.valid_expected_list,
  object: m.valid_expected_object,
  date: m.valid_enter_date,
}

/**
 * The message a person should read for one issue, in `locale` (default: the request's). The
 * problem's English `detail` asks for 'en'; a schema's own message is returned as written and
 * translated where the problem is drawn (i18n/field-messages.ts).
 */
export function friendlyMessage(issue: ZodIssueLike, locale?: Locale): string {
  if (!DEFAULT_MESSAGE.test(issue.message)) return issue.message
  const o: Options = locale ? { locale } : {}
  const number = (v: number) => new Intl.NumberFormat(locale ?? getLocale()).format(v)
  switch (issue.code) {
    case 'too_big': {
      const max = n(issue.maximum) - (issue.inclusive === false ? 1 : 0)
      if (issue.origin === 'string') return m.valid_at_most_chars({ count: number(max) }, o)
      if (issue.origin === 'array' || issue.origin === 'set') return m.valid_at_most_items({ count: number(max) }, o)
      return m.valid_at_most({ max: number(max) }, o)
    }
    case 'too_small': {
      const min = n(issue.minimum) + (issue.inclusive === false ? 1 : 0)
      if (issue.origin === 'string') return min <= 1 ? m.valid_required({}, o) : m.valid_at_least_chars({ count: number(min) }, o)
      if (issue.origin === 'array' || issue.origin === 'set') return min <= 1 ? m.valid_choose_one({}, o) : m.valid_at_least_items({ count: number(min) }, o)
      return m.valid_at_least({ min: number(min) }, o)
    }
    case 'invalid_type':
      // Zod leaves the input out of issues; its message says what it received.
      if ('input' in issue ? issue.input === undefined || issue.input === null : /received (undefined|null)\b/.test(issue.message)) return m.valid_required({}, o)
      return TYPE_WORDS[issue.expected ?? '']?.({}, o) ?? m.valid_not_valid({}, o)
    case 'invalid_format':
      if (issue.format === 'email') return m.valid_email({}, o)
      if (issue.format === 'url') return m.valid_url({}, o)
      return m.valid_format({}, o)
    case 'invalid_value':
      if (issue.values?.length && issue.values.length <= 8) return m.valid_choose_from({ values: issue.values.map(String).join(', ') }, o)
      return m.valid_not_allowed({}, o)
    case 'unrecognized_keys':
      return issue.keys?.length === 1 ? m.valid_unknown_field({ name: issue.keys[0]! }, o) : m.valid_unknown_fields({ names: (issue.keys ?? []).join(', ') }, o)
    case 'not_multiple_of':
      return m.valid_step({}, o)
    default:
      return m.valid_not_valid({}, o)
  }
}
