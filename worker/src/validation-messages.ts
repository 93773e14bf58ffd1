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
const many = (count: number, one: string, more = `${one}s`) => `${count.toLocaleString('en')} ${count === 1 ? one : more}`

const TYPE_WORDS: Record<string, string> = {
  string: 'Enter text.',
  number: 'Enter a number.',
  int: 'Enter a whole number.',
  boolean: 'Choose yes or no.',
  array: 'Expected a list.',
  object: 'Expected an object.',
  date: 'Enter a date.',
}

/** The message a person should read for one issue. */
export function friendlyMessage(issue: ZodIssueLike): string {
  if (!DEFAULT_MESSAGE.test(issue.message)) return issue.message
  switch (issue.code) {
    case 'too_big': {
      const max = n(issue.maximum) - (issue.inclusive === false ? 1 : 0)
      if (issue.origin === 'string') return `At most ${many(max, 'character')}.`
      if (issue.origin === 'array' || issue.origin === 'set') return `At most ${many(max, 'item')}.`
      return `At most ${max.toLocaleString('en')}.`
    }
    case 'too_small': {
      const min = n(issue.minimum) + (issue.inclusive === false ? 1 : 0)
      if (issue.origin === 'string') return min <= 1 ? 'Required.' : `At least ${many(min, 'character')}.`
      if (issue.origin === 'array' || issue.origin === 'set') return min <= 1 ? 'Choose at least one.' : `At least ${many(min, 'item')}.`
      return `At least ${min.toLocaleString('en')}.`
    }
    case 'invalid_type':
      // Zod leaves the input out of issues; its message says what it received.
      if ('input' in issue ? issue.input === undefined || issue.input === null : /received (undefined|null)\b/.test(issue.message)) return 'Required.'
      return TYPE_WORDS[issue.expected ?? ''] ?? 'Not a valid value.'
    case 'invalid_format':
      if (issue.format === 'email') return 'Enter a valid email address.'
      if (issue.format === 'url') return 'Enter a valid web address (https://…).'
      return 'Not in the expected format.'
    case 'invalid_value':
      if (issue.values?.length && issue.values.length <= 8) return `Choose one of: ${issue.values.map(String).join(', ')}.`
      return 'Not one of the allowed values.'
    case 'unrecognized_keys':
      return issue.keys?.length === 1 ? `Unknown field “${issue.keys[0]}”.` : `Unknown fields: ${(issue.keys ?? []).join(', ')}.`
    case 'invalid_union':
      return 'Not a valid value.'
    case 'not_multiple_of':
      return 'Not an allowed step.'
    default:
      return 'Not a valid value.'
  }
}
