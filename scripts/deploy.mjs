// npm run deploy: set up what can be set up on the Cloudflare account (D1 database, R2 bucket,
// remote migrations, both workers with their cron), then print what is left to do by hand.
// npm run deploy -- --dry-run: bundle and validate both workers without an account (CI runs it
// as `npm run test:deploy`), and print the same checklist from the configuration alone.
// Never applies demo data.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { buildWeb, root } from './portal.mjs'

const dryRun = process.argv.includes('--dry-run')
const apiConfig = path.join(root, 'wrangler.toml')
const webConfig = path.join(root, 'web', 'wrangler.toml')
const PLACEHOLDER_DB = '00000000-0000-0000-0000-000000000000'

/** Run wrangler; `capture` returns its output instead of showing it. Exits on failure unless `allowFailure`. */
function wrangler(args, { capture = false, allowFailure = false } = {}) {
  if (!capture) console.log(`\n$ wrangler ${args.join(' ')}`)
  const r = spawnSync('wrangler', args, { cwd: root, stdio: capture ? 'pipe' : 'inherit', encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } })
  if (r.status !== 0 && !allowFailure) {
    if (capture) process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`)
    console.error(`\n  wrangler ${args.join(' ')} failed (exit ${r.status}).\n`)
    process.exit(r.status ?? 1)
  }
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` }
}

const config = () => readFileSync(apiConfig, 'utf8')
const setting = (name) => new RegExp(`^${name} = "(.*)"$`, 'm').exec(config())?.[1] ?? ''

/** The D1 database: created when wrangler.toml still holds the placeholder id, and its id written there. */
function ensureDatabase() {
  if (!config().includes(PLACEHOLDER_DB)) return
  const listed = wrangler(['d1', 'list', '--json'], { capture: true })
  let id = (JSON.parse(listed.out.slice(listed.out.indexOf('['))) ?? []).find((db) => db.name === 'trellis')?.uuid
  if (!id) {
    const created = wrangler(['d1', 'create', 'trellis'], { capture: true })
    id = /"?database_id"?\s*[=:]\s*"([0-9a-f-]{36})"/.exec(created.out)?.[1]
    if (!id) {
      console.error(`\n  Could not read the new database's id from wrangler:\n${created.out}`)
      process.exit(1)
    }
    console.log(`\n  Created the D1 database trellis (${id}).`)
  }
  writeFileSync(apiConfig, config().replace(PLACEHOLDER_DB, id))
  console.log(`  wrangler.toml now names database ${id}: commit it.`)
}

/** The R2 bucket for logos, created when missing. */
function ensureBucket() {
  const listed = wrangler(['r2', 'bucket', 'list'], { capture: true })
  if (/\btrellis-branding\b/.test(listed.out)) return
  wrangler(['r2', 'bucket', 'create', 'trellis-branding'])
}

/** Names of the API worker's secrets (empty when they cannot be listed, e.g. before its first deploy). */
function secrets() {
  const listed = wrangler(['secret', 'list', '-c', apiConfig, '--format', 'json'], { capture: true, allowFailure: true })
  if (!listed.ok) return null
  try {
    return new Set(JSON.parse(listed.out.slice(listed.out.indexOf('['))).map((s) => s.name))
  } catch {
    return null
  }
}

/** What is configured, and what is left to do by hand. `known` is null where the account was not asked. */
function checklist(known) {
  const origin = setting('PUBLIC_ORIGIN')
  const platformHosts = setting('PLATFORM_HOSTNAMES')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h && h !== 'localhost' && h !== '127.0.0.1')
  const has = (name) => (known ? known.has(name) : null)
  const items = [
    [origin.startsWith('https://'), `PUBLIC_ORIGIN is your portal's https origin (now ${JSON.stringify(origin)}), in wrangler.toml`],
    [!config().includes(PLACEHOLDER_DB), 'the D1 database id is set in wrangler.toml (npm run deploy creates it)'],
    [platformHosts.length > 0, 'PLATFORM_HOSTNAMES lists your own portal hostnames, so no reseller can claim them'],
    [null, 'your portal hostnames are routes or custom domains of trellis-web (Workers > trellis-web > Settings > Domains & Routes)'],
    [has('RESEND_API_KEY') && Boolean(setting('EMAIL_FROM')), 'email: `npx wrangler secret put RESEND_API_KEY` and EMAIL_FROM in wrangler.toml (else mail stays in the email_outbox table)'],
    [
      Boolean(setting('SAAS_ZONE_ID') && setting('SAAS_CNAME_TARGET')) && has('SAAS_API_TOKEN'),
      "resellers' TLS: SAAS_ZONE_ID and SAAS_CNAME_TARGET in wrangler.toml, and `npx wrangler secret put SAAS_API_TOKEN`",
    ],
    [has('TOTP_ENCRYPTION_KEY'), 'two-factor sign-in: `npx wrangler secret put TOTP_ENCRYPTION_KEY` (any long random string; an https deployment refuses to turn on an authenticator app without it)'],
    [has('WEBHOOK_SIGNING_KEY'), 'webhooks and log streams: `npx wrangler secret put WEBHOOK_SIGNING_KEY` (32+ random characters, e.g. `openssl rand -hex 32`; signing secrets derive from it and collector tokens are encrypted with it — keep it, changing it invalidates every webhook secret and stored token)'],
    [
      Boolean(setting('BILLING_API_URL')) && has('BILLING_API_TOKEN'),
      'optional, billing: BILLING_API_URL in wrangler.toml and `npx wrangler secret put BILLING_API_TOKEN` (else the Billing page lists only expiring services)',
    ],
    [
      Boolean(setting('PROVISIONING_URL')) && has('PROVISIONING_SECRET'),
      'optional, server actions: PROVISIONING_URL in wrangler.toml and `npx wrangler secret put PROVISIONING_SECRET` (else every action fails with "not configured")',
    ],
    [null, 'the first platform owner: `npx wrangler d1 execute trellis --remote --command "…"` (README, Deploy)'],
  ]
  console.log('\nDeployment checklist:')
  for (const [ok, text] of items) console.log(`  ${ok === true ? '[x]' : ok === false ? '[ ]' : '[?]'} ${text}`)
  console.log('  ([x] done, [ ] to do, [?] check by hand)\n')
}

if (dryRun) {
  // Both workers bundle and their configuration (bindings, migrations, cron) validates: no account needed.
  if (!existsSync(path.join(root, 'web', '.svelte-kit', 'cloudflare', '_worker.js'))) buildWeb({ quiet: true })
  const outdir = path.join(root, '.wrangler', 'dry-run')
  wrangler(['deploy', '--dry-run', '--outdir', path.join(outdir, 'api'), '-c', apiConfig], { capture: true })
  wrangler(['deploy', '--dry-run', '--outdir', path.join(outdir, 'web'), '-c', webConfig], { capture: true })
  for (const [name, file] of [
    ['trellis-api', path.join(outdir, 'api', 'index.js')],
    ['trellis-web', path.join(outdir, 'web', '_worker.js')],
  ]) {
    if (!existsSync(file)) {
      console.error(`  ${name}: the dry run wrote no bundle at ${file}`)
      process.exit(1)
    }
    console.log(`  ${name}: bundles and validates (${(readFileSync(file).length / 1024).toFixed(0)} KB)`)
  }
  checklist(null)
  process.exit(0)
}

// Links in every email are built on PUBLIC_ORIGIN: a deploy that still says localhost would mail dead links.
if (!setting('PUBLIC_ORIGIN').startsWith('https://')) {
  console.error(`\n  Set PUBLIC_ORIGIN in wrangler.toml to your portal's https origin before deploying (it is ${JSON.stringify(setting('PUBLIC_ORIGIN'))}).\n`)
  process.exit(1)
}
if (!wrangler(['whoami'], { capture: true, allowFailure: true }).ok) {
  console.error('\n  Sign in to Cloudflare first: npx wrangler login\n')
  process.exit(1)
}
ensureDatabase()
ensureBucket()
wrangler(['d1', 'migrations', 'apply', 'DB', '--remote', '-c', apiConfig])
wrangler(['deploy', '-c', apiConfig])
buildWeb()
wrangler(['deploy', '-c', webConfig])
checklist(secrets())
