// Build the web app, migrate and seed local D1, and run both workers in one
// wrangler process. Shared by `npm start`, the browser tests and the benchmarks.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileMessages } from './i18n.mjs'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_D1_WARNING: 'true' }

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { cwd: opts.cwd ?? root, stdio: opts.quiet ? 'pipe' : 'inherit', env: { ...env, ...opts.env } })
  if (result.status !== 0) {
    if (opts.quiet) process.stderr.write(result.stdout + result.stderr)
    throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status}`)
  }
}

const LOCK = path.join(root, 'web', '.build-lock')
const SNAPSHOTS = path.join(root, '.wrangler', 'web-builds')
let lastSnapshot = null

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** One build at a time in web/.svelte-kit: concurrent runs (tests, benches, start) wait their turn. */
function withBuildLock(fn) {
  const deadline = Date.now() + 10 * 60_000
  for (;;) {
    try {
      mkdirSync(LOCK)
      break
    } catch {
      // A lock older than 10 minutes belongs to a run that died.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 10 * 60_000) rmSync(LOCK, { recursive: true, force: true })
      } catch {}
      if (Date.now() > deadline) throw new Error('waited 10 minutes for another web build to finish')
      sleep(500)
    }
  }
  try {
    return fn()
  } finally {
    rmSync(LOCK, { recursive: true, force: true })
  }
}

/**
 * `vite build` of web/ (SvelteKit with adapter-cloudflare), then a private copy of
 * the output that servePortal runs: a later build by another run never swaps the
 * files under a running server.
 */
export function buildWeb({ quiet = false } = {}) {
  withBuildLock(() => {
    // SvelteKit reads svelte.config.js from the working directory.
    run('vite', ['build', '--logLevel', quiet ? 'warn' : 'info'], { quiet, cwd: path.join(root, 'web') })
    mkdirSync(SNAPSHOTS, { recursive: true })
    for (const old of readdirSync(SNAPSHOTS)) {
      const dir = path.join(SNAPSHOTS, old)
      if (Date.now() - statSync(dir).mtimeMs > 24 * 3600_000) rmSync(dir, { recursive: true, force: true })
    }
    lastSnapshot = path.join(SNAPSHOTS, `${process.pid}-${Date.now()}`)
    for (const part of ['cloudflare', 'cloudflare-tmp', 'output']) {
      cpSync(path.join(root, 'web', '.svelte-kit', part), path.join(lastSnapshot, part), { recursive: true })
    }
  })
}

/** The web worker's wrangler config, pointed at this run's build snapshot when there is one. */
function webConfig(persistTo) {
  const original = path.join(root, 'web', 'wrangler.toml')
  if (!lastSnapshot) return original
  const text = readFileSync(original, 'utf8')
    .replace(/^main = .*$/m, `main = ${JSON.stringify(path.join(lastSnapshot, 'cloudflare', '_worker.js'))}`)
    .replace(/^directory = .*$/m, `directory = ${JSON.stringify(path.join(lastSnapshot, 'cloudflare'))}`)
  const file = path.join(path.resolve(root, persistTo), 'web.wrangler.toml')
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
  return file
}

/**
 * The API worker's wrangler config with PUBLIC_ORIGIN set to this run's own address, so
 * links in emails (invitations, notices) point at the portal that sent them, whatever port
 * it runs on. wrangler dev passes `--var` to the first config only, hence a copy. Paths in
 * the copy are absolute, and the local `.dev.vars` sits beside it (wrangler reads it from
 * the config's folder).
 */
function apiConfig(persistTo, port, vars = {}) {
  const original = path.join(root, 'wrangler.toml')
  const text = readFileSync(original, 'utf8')
    .replace(/^main = "(.*)"$/m, (_, main) => `main = ${JSON.stringify(path.join(root, main))}`)
    .replace(/^migrations_dir = "(.*)"$/m, (_, dir) => `migrations_dir = ${JSON.stringify(path.join(root, dir))}`)
    .replace(/^PUBLIC_ORIGIN = .*$/m, `PUBLIC_ORIGIN = "http://localhost:${port}"`)
  const folder = path.resolve(root, persistTo)
  mkdirSync(folder, { recursive: true })
  const file = path.join(folder, 'api.wrangler.toml')
  writeFileSync(file, text)
  const devVars = path.join(root, '.dev.vars')
  const copy = path.join(folder, '.dev.vars')
  if (existsSync(devVars)) cpSync(devVars, copy)
  // Settings of this run only (the browser tests point outside services at local stand-ins).
  const extra = Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(String(v))}\n`).join('')
  if (extra) writeFileSync(copy, (existsSync(copy) ? readFileSync(copy, 'utf8').replace(/\n?$/, '\n') : '') + extra)
  return file
}

/** Apply D1 migrations and the demo data to a local state folder (idempotent). */
export function prepareDatabase(persistTo, { quiet = false, fresh = false } = {}) {
  if (fresh) rmSync(persistTo, { recursive: true, force: true })
  mkdirSync(persistTo, { recursive: true })
  const common = ['--local', '--persist-to', persistTo, '-c', 'wrangler.toml']
  // CI=true keeps wrangler from asking for confirmation on a terminal.
  run('wrangler', ['d1', 'migrations', 'apply', 'DB', ...common], { quiet, env: { CI: 'true' } })
  const seedFile = path.join(persistTo, 'demo-seed.sql')
  run(process.execPath, ['db/seed/write-sql.ts', seedFile], { quiet })
  run('wrangler', ['d1', 'execute', 'DB', ...common, '--file', seedFile], { quiet, env: { CI: 'true' } })
  // The demo brands' logos live in the local R2 bucket, like uploaded ones.
  run(process.execPath, ['db/seed/put-logos.ts', persistTo], { quiet })
}

/**
 * Local-only settings of the API worker. wrangler dev reads .dev.vars; deploys never
 * do, so DEV_TOOLS (synthetic activity for benchmarks, the dev outbox) stays off in
 * production, and HTTPS_ONLY=false (the local portal is plain http) never reaches it.
 * Written once, and a missing setting is added; edit it freely.
 */
export function ensureDevVars() {
  const file = path.join(root, '.dev.vars')
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '# Local development only (wrangler dev); never deployed.\nDEV_TOOLS=true\n'
  let text = before
  if (!/^HTTPS_ONLY\s*=/m.test(text)) text += `${text.endsWith('\n') ? '' : '\n'}HTTPS_ONLY=false\n`
  // Webhooks and log streams: a random signing key, written once (secrets shown in the portal derive from it),
  // and local receivers over http on loopback allowed (never in production).
  if (!/^WEBHOOK_SIGNING_KEY\s*=/m.test(text)) text += `${text.endsWith('\n') ? '' : '\n'}WEBHOOK_SIGNING_KEY=${randomBytes(32).toString('hex')}\n`
  if (!/^WEBHOOKS_ALLOW_LOCAL\s*=/m.test(text)) text += 'WEBHOOKS_ALLOW_LOCAL=true\n'
  if (text !== before || !existsSync(file)) writeFileSync(file, text)
}

/** The debugger port that goes with a portal port: 9229 beside 8787, and moved along with PORT. */
export const inspectorPortFor = (port) => port + (9229 - 8787)

/**
 * Pass wrangler's output through, without the harmless warning (and its stack
 * trace) it prints when the machine is offline and Cloudflare's Request.cf data
 * cannot be fetched.
 */
let offlineSaid = false
function relay(stream, out) {
  let skipping = false
  let rest = ''
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) {
      if (/Request\.cf/.test(line)) {
        // Both workers warn; one note says it.
        if (!skipping && !offlineSaid) out.write('  (offline: Cloudflare\'s request metadata is unavailable; nothing else is affected)\n')
        offlineSaid = true
        skipping = true
        continue
      }
      if (skipping && (/^\s+at\s/.test(line) || /^\s*$/.test(line) || /^\s*\[cause\]|fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED/.test(line))) continue
      skipping = false
      out.write(line + '\n')
    }
  })
}

/** Start wrangler dev serving web + API on one origin. Resolves once /api/v1/health answers. */
export async function servePortal({ port = 8787, persistTo, inspectorPort = inspectorPortFor(port), quiet = false, snapshot = true, vars = {} }) {
  ensureDevVars()
  // The API's problem titles and emails import the compiled messages (a no-op when unchanged).
  await compileMessages()
  // `snapshot: false` serves web/.svelte-kit itself, so a `vite build --watch` is picked up.
  const args = ['dev', '-c', snapshot ? webConfig(persistTo) : path.join(root, 'web', 'wrangler.toml'), '-c', apiConfig(persistTo, port, vars), '--ip', '127.0.0.1', '--port', String(port),
    '--persist-to', persistTo, '--inspector-port', String(inspectorPort), '--show-interactive-dev-session=false']
  const child = spawn('wrangler', args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  if (!quiet) {
    relay(child.stdout, process.stdout)
    relay(child.stderr, process.stderr)
  }
  const stop = () => {
    try { process.kill(-child.pid, 'SIGTERM') } catch {}
  }
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`)
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`)
      // `log()`: everything wrangler and the workers printed so far (the browser tests keep it when they fail).
      if (res.ok) return { child, stop, url: `http://localhost:${port}`, log: () => output }
    } catch {}
    await new Promise((r) => setTimeout(r, 250))
  }
  stop()
  throw new Error(`the portal did not answer on :${port} within 120 s:\n${output}`)
}
