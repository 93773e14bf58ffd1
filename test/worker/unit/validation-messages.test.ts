import { z } from '@hono/zod-openapi'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { friendlyMessage } from '../../../worker/src/validation-messages.ts'

const messages = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value)
  if (result.success) throw new Error('expected a failure')
  return result.error.issues.map((issue) => friendlyMessage(issue))
}

describe('friendlyMessage', () => {
  it('says “At most 120 characters.” instead of zod’s “Too big: expected string to have <=120 characters”', () => {
    expect(messages(z.string().max(120), 'x'.repeat(121))).toEqual(['At most 120 characters.'])
  })

  it('puts lengths, counts, types, formats and choices in plain words', () => {
    expect(messages(z.string().min(1), '')).toEqual(['Required.'])
    expect(messages(z.string().min(8), 'short')).toEqual(['At least 8 characters.'])
    expect(messages(z.array(z.string()).max(2), ['a', 'b', 'c'])).toEqual(['At most 2 items.'])
    expect(messages(z.number().int().max(10), 11)).toEqual(['At most 10.'])
    expect(messages(z.object({ name: z.string() }), {})).toEqual(['Required.'])
    expect(messages(z.number(), 'five')).toEqual(['Enter a number.'])
    expect(messages(z.email(), 'not an email')).toEqual(['Enter a valid email address.'])
    expect(messages(z.enum(['admin', 'user']), 'owner')).toEqual(['Choose one of: admin, user.'])
    expect(messages(z.object({ a: z.string() }).strict(), { a: 'x', b: 1 })).toEqual(['Unknown field “b”.'])
  })

  it('keeps the messages schemas write themselves', () => {
    expect(messages(z.string().trim().min(1, 'Enter a name.'), ' ')).toEqual(['Enter a name.'])
    expect(messages(z.string().regex(/^[a-z]+$/, 'Use letters only.'), 'A1')).toEqual(['Use letters only.'])
  })

  it('never passes zod’s own wording through, for any string length limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 50 }), (max, over) => {
        const [message] = messages(z.string().max(max), 'x'.repeat(max + over))
        expect(message).toBe(`At most ${max.toLocaleString('en')} ${max === 1 ? 'character' : 'characters'}.`)
      }),
    )
  })
})

describe('friendlyMessage in French', () => {
  const french = (schema: z.ZodType, value: unknown) => {
    const result = schema.safeParse(value)
    if (result.success) throw new Error('expected a failure')
    return result.error.issues.map((issue) => friendlyMessage(issue, 'fr'))
  }

  it('says the same things in French, with French plurals and numbers', () => {
    expect(french(z.string().max(120), 'x'.repeat(121))).toEqual(['120 caractères au plus.'])
    expect(french(z.string().max(1), 'xx')).toEqual(['1 caractère au plus.'])
    expect(french(z.string().min(1), '')).toEqual(['Obligatoire.'])
    expect(french(z.string().email(), 'nope')).toEqual(['Saisissez une adresse e-mail valide.'])
    expect(french(z.number().max(12000), 20000)).toEqual(['12\u202f000 au plus.'])
  })
})
