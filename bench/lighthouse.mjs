// npm run bench:lighthouse — Lighthouse's performance and accessibility scores for the sign-in page
// and the signed-in dashboard, against a running portal (`npm start`, or BASE=http://localhost:PORT),
// in the Debian Chromium the browser tests use (CHROMIUM_PATH). Lighthouse comes from npm (a pinned
// dev dependency) and reaches nothing but the portal: no browser download, no report upload, no
// error reporting. Both presets are scored: `mobile` (Lighthouse's default: a mid-range phone on a
// throttled connection, simulated) and `desktop`. Exits 1 when a score is below the budget.
//   PRESETS=desktop   only one preset;  RUNS=3   the median of several runs per page and preset.
import { launch } from 'chrome-launcher'
import lighthouse, { desktopConfig } from 'lighthouse'

const base = process.env.BASE ?? `http://localhost:${process.env.PORT ?? 8787}`
const chromePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const runs = Number(process.env.RUNS ?? 1)
const presets = (process.env.PRESETS ?? 'mobile,desktop').split(',')
const budget = { performance: 95, accessibility: 95 }
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Sign in through the API as the demo owner; the session cookie and the dashboard's path. */
async function signIn() {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email: 'owner@acme.test', password: 'trellis-demo' }),
    redirect: 'manual',
  })
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  if (!response.ok || !cookie) throw new Error(`signing in answered ${response.status}: ${await response.text()}`)
  // `/` sends a signed-in person to the account they were last in: the dashboard.
  const home = await fetch(`${base}/`, { headers: { cookie }, redirect: 'manual' })
  const location = home.headers.get('location')
  if (!location || !/^\/a\/[^/]+$/.test(new URL(location, base).pathname)) throw new Error(`/ did not lead to a dashboard (${home.status} ${location})`)
  return { cookie, dashboard: new URL(location, base).pathname }
}

/**
 * Put the cookies in the browser's own jar, replacing any it has: Lighthouse keeps cookies between
 * runs (and a page's own cookies would otherwise shadow a Cookie header), so each run starts from
 * exactly these. Through the browser's DevTools endpoint (Node's WebSocket).
 */
async function setCookies(port, cookie) {
  const { webSocketDebuggerUrl } = await (await fetch(`http://127.0.0.1:${port}/json/version`)).json()
  const socket = new WebSocket(webSocketDebuggerUrl)
  await new Promise((resolve, reject) => {
    socket.onopen = resolve
    socket.onerror = reject
  })
  let id = 0
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const mine = ++id
      socket.addEventListener('message', function listener(event) {
        const message = JSON.parse(event.data)
        if (message.id !== mine) return
        socket.removeEventListener('message', listener)
        if (message.error) reject(new Error(`${method}: ${message.error.message}`))
        else resolve(message.result)
      })
      socket.send(JSON.stringify({ id: mine, method, params }))
    })
  await call('Storage.clearCookies')
  const { hostname } = new URL(base)
  const cookies = (cookie ? cookie.split('; ') : []).map((pair) => {
    const [name, ...value] = pair.split('=')
    return { name, value: value.join('='), domain: hostname, path: '/', httpOnly: true, sameSite: 'Lax' }
  })
  if (cookies.length) await call('Storage.setCookies', { cookies })
  socket.close()
}

const chrome = await launch({
  chromePath,
  port: Number(process.env.LIGHTHOUSE_CHROME_PORT ?? 0) || undefined,
  // chrome-launcher's defaults turn off background networking, component updates and sync; Debian's
  // Chromium still looks up Google's update hosts, so it may resolve no name but the portal's.
  chromeFlags: [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE ${new URL(base).hostname}`,
  ],
})
let over = false
try {
  const { dashboard } = await signIn()
  // A fresh session for every dashboard run, none for the sign-in page.
  const pages = [
    { name: 'sign-in page', url: `${base}/login`, cookie: async () => '' },
    { name: 'dashboard (owner@acme.test)', url: `${base}${dashboard}`, cookie: async () => (await signIn()).cookie },
  ]
  console.log(`\n  ${base}, Lighthouse, ${runs === 1 ? 'one run' : `median of ${runs} runs`} per page and preset\n`)
  for (const preset of presets) {
    for (const { name, url, cookie } of pages) {
      const samples = []
      for (let i = 0; i < runs; i++) {
        await setCookies(chrome.port, await cookie())
        const result = await lighthouse(
          url,
          { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility'] },
          preset === 'desktop' ? desktopConfig : undefined,
        )
        const lhr = result.lhr
        if (lhr.runtimeError) throw new Error(`${name}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`)
        samples.push({
          performance: Math.round(lhr.categories.performance.score * 100),
          accessibility: Math.round(lhr.categories.accessibility.score * 100),
          lcp: lhr.audits['largest-contentful-paint'].numericValue,
          tbt: lhr.audits['total-blocking-time'].numericValue,
          failed: Object.values(lhr.audits)
            .filter((a) => a.score !== null && a.score < 1 && lhr.categories.accessibility.auditRefs.some((r) => r.id === a.id && r.weight > 0))
            .map((a) => a.id),
          url: lhr.finalDisplayedUrl,
        })
      }
      const performance = median(samples.map((s) => s.performance))
      const accessibility = median(samples.map((s) => s.accessibility))
      const ok = performance >= budget.performance && accessibility >= budget.accessibility
      over ||= !ok
      const landed = new URL(samples[0].url).pathname
      console.log(
        `  ${ok ? 'ok  ' : 'OVER'} ${preset.padEnd(8)} ${name.padEnd(30)} performance ${String(performance).padStart(3)}   accessibility ${String(accessibility).padStart(3)}   (LCP ${Math.round(median(samples.map((s) => s.lcp)))} ms, TBT ${Math.round(median(samples.map((s) => s.tbt)))} ms${landed !== new URL(url).pathname ? `; landed on ${landed}` : ''})`,
      )
      const failed = [...new Set(samples.flatMap((s) => s.failed))]
      if (failed.length) console.log(`       accessibility audits not passed: ${failed.join(', ')}`)
    }
  }
  console.log(`\n  Budget: performance ≥ ${budget.performance} and accessibility ≥ ${budget.accessibility} on each page.\n`)
} finally {
  chrome.kill()
}
process.exit(over ? 1 : 0)
