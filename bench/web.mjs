// npm run bench:web — how heavy the web app is where people spend their time: the sign-in page
// and the signed-in dashboard. Measured in Debian Chromium against a running portal
// (`npm start`, or BASE=http://localhost:PORT): the JavaScript each page loads (gzipped here
// at level 9, whatever the server sent, so the figure does not depend on the local server's
// compression) and Largest Contentful Paint, median of RUNS cold loads. Exits 1 above budget.
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'

const base = process.env.BASE ?? `http://localhost:${process.env.PORT ?? 8787}`
const runs = Number(process.env.RUNS ?? 5)
// LOCALE=fr: the pages in French (a browser asking for French, with the language cookie set), as a French reader loads them.
const locale = process.env.LOCALE
const languageOptions = locale ? { locale, extraHTTPHeaders: { 'accept-language': locale } } : {}
const budget = { jsGzipBytes: 60_000, lcpMs: 1000 }
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' })

/** Sign in once and keep the cookies, so each dashboard load starts cold but signed in. */
async function signedInState() {
  const context = await browser.newContext({ baseURL: base, ...languageOptions })
  if (locale) await context.addCookies([{ name: 'trellis-lang', value: locale, url: base }])
  const page = await context.newPage()
  await page.goto('/login')
  await page.locator('input[name=email]').fill('owner@acme.test')
  await page.locator('input[name=password]').fill('trellis-demo')
  await page.locator('form:has(input[name=password]) button[type=submit]').click()
  await page.waitForURL(/\/a\/[^/]+$/)
  const dashboard = new URL(page.url()).pathname
  const state = await context.storageState()
  await context.close()
  return { state, dashboard }
}

/** One cold load in a fresh context: the JavaScript it fetched and its LCP. */
async function load(path, storageState) {
  const context = await browser.newContext({ baseURL: base, storageState, ...languageOptions })
  if (locale && !storageState) await context.addCookies([{ name: 'trellis-lang', value: locale, url: base }])
  const page = await context.newPage()
  const scripts = new Map()
  page.on('response', async (response) => {
    const type = response.headers()['content-type'] ?? ''
    if (response.request().resourceType() !== 'script' && !type.includes('javascript')) return
    try {
      scripts.set(response.url(), await response.body())
    } catch {
      // a redirect or an aborted request carries no body
    }
  })
  await page.goto(path, { waitUntil: 'networkidle' })
  const lcp = await page.evaluate(
    () =>
      new Promise((resolve) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries()
          resolve(entries[entries.length - 1].startTime)
        }).observe({ type: 'largest-contentful-paint', buffered: true })
        setTimeout(() => resolve(NaN), 3000)
      }),
  )
  await context.close()
  let raw = 0
  let gzip = 0
  for (const body of scripts.values()) {
    raw += body.length
    gzip += gzipSync(body, { level: 9 }).length
  }
  const each = [...scripts].map(([url, body]) => ({ url, gzip: gzipSync(body, { level: 9 }).length }))
  return { files: scripts.size, raw, gzip, lcp, each }
}

const { state, dashboard } = await signedInState()
const pages = [
  { name: 'sign-in page', path: '/login', state: undefined },
  { name: 'dashboard (owner@acme.test)', path: dashboard, state },
]
let over = false
console.log(`\n  ${base}, ${runs} cold loads each, median${locale ? `, in ${locale}` : ''}\n`)
for (const { name, path, state: storageState } of pages) {
  const samples = []
  for (let i = 0; i < runs; i++) samples.push(await load(path, storageState))
  const js = median(samples.map((s) => s.gzip))
  const lcp = median(samples.map((s) => s.lcp))
  const files = median(samples.map((s) => s.files))
  const raw = median(samples.map((s) => s.raw))
  const ok = js <= budget.jsGzipBytes && lcp <= budget.lcpMs
  over ||= !ok
  if (process.env.FILES) {
    // FILES=1: what the first load fetched, heaviest first (to see where the weight is).
    for (const { url, gzip } of samples[0].each.toSorted((a, b) => b.gzip - a.gzip)) console.log(`        ${(gzip / 1000).toFixed(1).padStart(6)} kB  ${new URL(url).pathname}`)
  }
  console.log(
    `  ${ok ? 'ok  ' : 'OVER'} ${name.padEnd(30)} JS ${(js / 1000).toFixed(1)} kB gzipped (${files} files, ${(raw / 1000).toFixed(0)} kB raw)   LCP ${Math.round(lcp)} ms`,
  )
}
console.log(`\n  Budget: ≤ ${budget.jsGzipBytes / 1000} kB gzipped JavaScript and LCP < ${budget.lcpMs} ms per page.\n`)
await browser.close()
process.exit(over ? 1 : 0)
