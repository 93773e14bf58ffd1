// npm run test:e2e — the browser tests against a real portal:
// build the web app, serve web + API with a fresh demo database on :8788,
// run test/e2e/*.test.ts with Node's test runner, stop the portal, exit with the tests' code.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
// E2E_PORT / E2E_INSPECTOR_PORT move the run elsewhere when 8788 is taken (e.g. by a dev server).
const PORT = Number(process.env.E2E_PORT ?? 8788)
const INSPECTOR_PORT = Number(process.env.E2E_INSPECTOR_PORT ?? PORT + (9229 - 8787))
const BASE_URL = `http://localhost:${PORT}`
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

if (!existsSync(CHROMIUM)) {
  console.error(`\n  The browser tests need Chromium at ${CHROMIUM}, and it is not there.`)
  console.error('  Install it with:  apt-get update && apt-get install -y chromium')
  console.error('  (or point CHROMIUM_PATH at another Chromium binary).\n')
  process.exit(1)
}

// The project's own binaries (vite, wrangler, and Node 22 from the `node` package) come first,
// also when this script is started with a plain `node`. Set before portal.mjs captures the env.
process.env.PATH = `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`
const nodeMajor = Number(process.versions.node.split('.')[0])
// Node 22+ runs the .ts tests directly (type stripping); otherwise use the project's Node from PATH.
const node = nodeMajor >= 22 ? process.execPath : 'node'

/** True when something already listens on the port (the tests would silently run against it). */
function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

for (const port of [PORT, INSPECTOR_PORT]) {
  if (await portInUse(port)) {
    console.error(`\n  Port ${port} is already in use; the browser tests need it for their own portal.`)
    console.error('  Stop whatever runs there, or choose other ports with E2E_PORT and E2E_INSPECTOR_PORT.\n')
    process.exit(1)
  }
}

// `node test/e2e/run.mjs invitations impersonation` runs only the story files whose names contain a filter.
const filters = process.argv.slice(2)
// `E2E_STORY='slow to come'` runs only the stories whose names match (node --test-name-pattern).
const storyPattern = process.env.E2E_STORY ? [`--test-name-pattern=${process.env.E2E_STORY}`] : []
const testFiles = filters.length
  ? readdirSync(path.join(root, 'test', 'e2e'))
      .filter((f) => f.endsWith('.test.ts') && filters.some((filter) => f.includes(filter)))
      .map((f) => path.join('test', 'e2e', f))
  : ['test/e2e/**/*.test.ts']
if (testFiles.length === 0) {
  console.error(`\n  No story file in test/e2e matches ${filters.join(', ')}.\n`)
  process.exit(1)
}

const { buildWeb, prepareDatabase, servePortal } = await import('../../scripts/portal.mjs')

const started = Date.now()
const step = (what) => console.log(`e2e: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`)

step('building the web app')
buildWeb({ quiet: true })
// Own state per port: two runs on different ports must not wipe each other's database.
const persistTo = path.join(root, '.wrangler', PORT === 8788 ? 'e2e-state' : `e2e-state-${PORT}`)
step('preparing a fresh demo database')
prepareDatabase(persistTo, { quiet: true, fresh: true })
// DNS questions (hostname checks, webhook delivery) go to a local DNS-over-HTTPS server, as in the
// worker tests: no story may ask a public resolver.
const { startDohServer } = await import('../helpers/doh-server.ts')
const doh = await startDohServer()
// Cloudflare for SaaS is a local stand-in of its Custom Hostnames API, as in the worker tests.
const { startCloudflareApi } = await import('../helpers/cloudflare-api.ts')
const cloudflare = await startCloudflareApi()
// The email provider is a stand-in of Resend's API; with DEV_TOOLS on, the outbox keeps a copy of every message.
const { startResendApi } = await import('../helpers/resend-api.ts')
const resend = await startResendApi()
// Webhooks are delivered to a local receiver that records what arrives (http on loopback: .dev.vars allows it).
const { startHookReceiver } = await import('../helpers/hook-receiver.ts')
const receiver = await startHookReceiver()
// The operator's billing system is a stand-in speaking the billing adapter's protocol, holding the
// demo invoices (as the demo data has them) plus one new invoice of Bluebird that a sync brings in.
const { startBillingApi } = await import('../helpers/billing-api.ts')
const { demoBillingHoldings } = await import('../helpers/billing-demo.ts')
const billing = await startBillingApi(demoBillingHoldings())
// Server actions go to a stand-in of the operator's provisioning backend that checks their signatures.
const { startProvisioningApi } = await import('../helpers/provisioning-api.ts')
const provisioning = await startProvisioningApi({ delayMs: 300 })
step(`starting the portal on ${BASE_URL}`)
const portal = await servePortal({
  port: PORT,
  inspectorPort: INSPECTOR_PORT,
  persistTo,
  quiet: true,
  vars: {
    DNS_RESOLVER_URL: doh.url,
    SAAS_API_BASE: cloudflare.base,
    SAAS_API_TOKEN: cloudflare.token,
    SAAS_ZONE_ID: cloudflare.zoneId,
    SAAS_CNAME_TARGET: 'portals.trellis.test',
    RESEND_API_BASE: resend.base,
    RESEND_API_KEY: resend.apiKey,
    WEBHOOKS_ALLOW_LOCAL: 'true',
    WEBHOOK_SIGNING_KEY: 'e2e-signing-key-0123456789abcdef',
    BILLING_API_URL: billing.url,
    BILLING_API_TOKEN: billing.token,
    PROVISIONING_URL: provisioning.url,
    PROVISIONING_SECRET: provisioning.secret,
  },
})

let stopped = false
const stop = () => {
  if (!stopped) portal.stop()
  stopped = true
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stop()
    process.exit(130)
  })
}

// Failure screenshots describe this run only (test/e2e/support.ts writes them).
rmSync(path.join(root, 'test', 'e2e', 'artifacts', 'failed'), { recursive: true, force: true })
step('running the browser tests')
let code = 1
try {
  code = await new Promise((resolve) => {
    const child = spawn(node, ['--test', '--test-concurrency=1', ...storyPattern, ...testFiles], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, E2E_BASE_URL: BASE_URL, CHROMIUM_PATH: CHROMIUM, E2E_CLOUDFLARE_API: cloudflare.base, E2E_RESEND_API: resend.base, E2E_HOOK_RECEIVER: receiver.url, E2E_PROVISIONING: provisioning.base },
    })
    child.on('error', (error) => {
      console.error(error)
      resolve(1)
    })
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)))
  })
} finally {
  stop()
}
if (code !== 0) {
  // What the portal said, for the failure: the whole log beside the screenshots, and its errors and 5xx answers here.
  const failed = path.join(root, 'test', 'e2e', 'artifacts', 'failed')
  mkdirSync(failed, { recursive: true })
  const log = portal.log()
  writeFileSync(path.join(failed, 'portal.log'), log)
  // (Wrangler's lookup of Cloudflare's request metadata fails offline, as the start log says: not the portal's.)
  const errors = log.split('\n').filter((line) => /\b5\d\d\b [A-Z]|error|✘/i.test(line) && !line.includes('workers.cloudflare.com'))
  if (errors.length) console.log(`\nThe portal's errors during the run (last ${Math.min(errors.length, 40)} of ${errors.length}; all in ${path.relative(root, failed)}/portal.log):\n${errors.slice(-40).join('\n')}\n`)
}
step(code === 0 ? 'passed' : `failed with exit code ${code}`)
process.exit(code)
