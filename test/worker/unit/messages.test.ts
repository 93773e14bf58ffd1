import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { negotiateLocale, pickLocale } from '../../../web/src/lib/i18n.ts'

// Every page, email and problem title exists in English and French (decision 034): a message
// added in one language only, or with a placeholder the other lacks, fails here by name.
const files = {
  ...import.meta.glob<Record<string, unknown>>('../../../web/messages/*/*.json', { eager: true, import: 'default' }),
  ...import.meta.glob<Record<string, unknown>>('../../../worker/messages/*/*.json', { eager: true, import: 'default' }),
}
const sources = import.meta.glob<string>(['../../../web/src/**/*.{svelte,ts}', '!../../../web/src/lib/paraglide/**', '!../../../web/src/lib/api/**'], {
  eager: true,
  query: '?raw',
  import: 'default',
})

type Catalogue = Map<string, unknown>
/** project/area → locale → key → message */
const catalogues = new Map<string, Map<string, Catalogue>>()
for (const [file, content] of Object.entries(files)) {
  const [, project, locale, area] = file.match(/\/(web|worker)\/messages\/([^/]+)\/([^/]+)\.json$/)!
  const key = `${project}/${area}`
  if (!catalogues.has(key)) catalogues.set(key, new Map())
  catalogues.get(key)!.set(locale!, new Map(Object.entries(content).filter(([k]) => k !== '$schema')))
}

/** The placeholders a message uses: `{name}` in a plain string, the declared inputs of a variant message. */
function placeholders(message: unknown): string[] {
  if (typeof message === 'string') return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort()
  const declared = (message as { declarations?: string[] }[])[0]?.declarations ?? []
  return declared.filter((d) => d.startsWith('input ')).map((d) => d.slice(6).trim()).sort()
}

function texts(message: unknown): string[] {
  if (typeof message === 'string') return [message]
  return (message as { match: Record<string, string> }[]).flatMap((v) => Object.values(v.match))
}

describe('messages in English and French', () => {
  it('has both languages for every message file', () => {
    expect(catalogues.size).toBeGreaterThan(0)
    for (const [area, byLocale] of catalogues) expect([...byLocale.keys()].sort(), area).toEqual(['en', 'fr'])
  })

  it.each([...catalogues.keys()])('%s: the same keys in both languages, none empty, the same placeholders', (area) => {
    const byLocale = catalogues.get(area)!
    const en = byLocale.get('en')!
    const fr = byLocale.get('fr')!
    expect([...en.keys()].filter((k) => !fr.has(k)), `keys missing in French (${area})`).toEqual([])
    expect([...fr.keys()].filter((k) => !en.has(k)), `keys missing in English (${area})`).toEqual([])
    for (const [key, message] of en) {
      for (const [locale, m] of [['en', message], ['fr', fr.get(key)]] as const) {
        for (const text of texts(m)) expect(text.trim(), `${locale} ${key} is empty`).not.toBe('')
      }
      expect(placeholders(fr.get(key)), `placeholders of ${key}`).toEqual(placeholders(message))
    }
  })

  it('gives each key one home: no key in two files', () => {
    const seen = new Map<string, string>()
    for (const [area, byLocale] of catalogues) {
      const project = area.split('/')[0]
      for (const key of byLocale.get('en')?.keys() ?? []) {
        expect(seen.get(`${project}:${key}`), `${key} is in ${seen.get(`${project}:${key}`)} and ${area}`).toBeUndefined()
        seen.set(`${project}:${key}`, area)
      }
    }
  })

  it('has a message for every key the web app draws', () => {
    const web = new Set([...catalogues].filter(([a]) => a.startsWith('web/')).flatMap(([, l]) => [...(l.get('en')?.keys() ?? [])]))
    const missing = new Set<string>()
    for (const [file, source] of Object.entries(sources)) {
      for (const [, key] of source.matchAll(/\bm\.(\w+)\(/g)) if (!web.has(key!)) missing.add(`${key} (${file.split('/web/src/')[1]})`)
    }
    expect([...missing]).toEqual([])
  })
})

describe('choosing the language', () => {
  it('prefers the person, then the brand, then the browser, then English', () => {
    expect(pickLocale('fr', 'en', 'en')).toBe('fr')
    expect(pickLocale(undefined, 'fr', 'en-GB')).toBe('fr')
    expect(pickLocale('de', null, 'fr-CA,en;q=0.5')).toBe('fr')
    expect(pickLocale(null, 'de', 'de-DE')).toBe('en')
  })

  it('reads Accept-Language by quality, ignoring languages we do not have', () => {
    expect(negotiateLocale('de-DE,fr;q=0.8,en;q=0.5')).toBe('fr')
    expect(negotiateLocale('en;q=0.4, fr-BE;q=0.9')).toBe('fr')
    expect(negotiateLocale('fr;q=0, en')).toBe('en')
    expect(negotiateLocale('*')).toBeNull()
  })

  it('never throws and answers only a language it has, whatever the header', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (header) => {
        const locale = negotiateLocale(header)
        expect(locale === null || locale === 'en' || locale === 'fr').toBe(true)
      }),
    )
  })
})
