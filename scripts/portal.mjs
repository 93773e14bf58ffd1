// Build the web app, migrate and seed local D1, and run both workers in one
// wrangler process. Shared by `npm start`, the browser tests and the benchmarks.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_D1_WARNING: 'true' }

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { cwd: opts.cwd ?? root, stdio: opts.quiet ? 'pipe' : 'inherit', env: { ...env, ...opts.env } })
  if (result.status !== 0) {
    if (opts.quiet) process.stderr.write(result.stdout + result.stderr)
    throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status}`)
  }
}

/** `vite build` of web/ (SvelteKit with adapter-cloudflare). */
export function buildWeb({ quiet = false } = {}) {
  // SvelteKit reads svelte.config.js from the working directory.
  run('vite', ['build', '--logLevel', quiet ? 'warn' : 'info'], { quiet, cwd: path.join(root, 'web') })
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
}

/**
 * Local-only settings of the API worker. wrangler dev reads .dev.vars; deploys never
 * do, so DEV_TOOLS (synthetic activity for benchmarks, the dev outbox) stays off in
 * production. Written once; edit it freely.
 */
export function ensureDevVars() {
  const file = path.join(root, '.dev.vars')
  if (!existsSync(file)) writeFileSync(file, '# Local development only (wrangler dev); never deployed.\nDEV_TOOLS=true\n')
}

/** Start wrangler dev serving web + API on one origin. Resolves once /api/v1/health answers. */
export async function servePortal({ port = 8787, persistTo, inspectorPort = 9229, quiet = false }) {
  ensureDevVars()
  const args = ['dev', '-c', 'web/wrangler.toml', '-c', 'wrangler.toml', '--ip', '127.0.0.1', '--port', String(port),
    '--persist-to', persistTo, '--inspector-port', String(inspectorPort), '--show-interactive-dev-session=false']
  const child = spawn('wrangler', args, { cwd: root, env, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'], detached: true })
  let output = ''
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  const stop = () => {
    try { process.kill(-child.pid, 'SIGTERM') } catch {}
  }
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`)
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`)
      if (res.ok) return { child, stop, url: `http://localhost:${port}` }
    } catch {}
    await new Promise((r) => setTimeout(r, 250))
  }
  stop()
  throw new Error(`the portal did not answer on :${port} within 120 s:\n${output}`)
}
