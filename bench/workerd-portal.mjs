// Serve the built portal (web worker + API worker + D1 + Durable Objects) straight in
// workerd through Miniflare — the `miniflare` package that ships inside wrangler, so the
// same workerd build — without wrangler dev's proxy worker in front. Browsers' frames
// then cross one workerd process, as on Cloudflare, instead of two plus a loopback hop.
// Used by the benchmarks (BENCH_RUNTIME=workerd, the default of bench:activity).
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { root } from '../scripts/portal.mjs'
import { compileMessages } from '../scripts/i18n.mjs'

// wrangler's own miniflare (and so its workerd), not the older copy the test plugin hoists.
const { Miniflare, convertV4MiniflareOptions } = createRequire(createRequire(import.meta.url).resolve('wrangler/package.json'))('miniflare')

const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_D1_WARNING: 'true' }

/** Bundle a worker exactly as `wrangler deploy` would (no upload) into outdir/index.js. */
export function bundle(config, outdir) {
  rmSync(outdir, { recursive: true, force: true })
  mkdirSync(outdir, { recursive: true })
  const result = spawnSync('wrangler', ['deploy', '--dry-run', '--outdir', outdir, '-c', config], { cwd: root, env, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`wrangler deploy --dry-run -c ${config} failed:\n${result.stdout}${result.stderr}`)
  // The bundle keeps the entry's file name (index.js for the API, _worker.js for SvelteKit).
  return path.join(outdir, readdirSync(outdir).find((f) => f.endsWith('.js') && !f.endsWith('.map.js')))

}

/** The [vars] of a wrangler.toml (flat string values only, which is all ours has). */
function vars(config) {
  const text = readFileSync(path.join(root, config), 'utf8')
  const section = /^\[vars\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1] ?? ''
  return Object.fromEntries([...section.matchAll(/^(\w+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1], m[2]]))
}

/**
 * Start the portal in workerd on 127.0.0.1:port, with D1 and Durable Object state kept in
 * persistTo (the layout `wrangler dev --persist-to` uses, so prepareDatabase() seeds it).
 * Call after buildWeb(). Resolves once /api/v1/health answers.
 *
 * `apiPort`: also serve the API worker alone on its own socket (no web worker in front).
 * `peers`: more workers (Miniflare worker options) in the same workerd, each given a
 * `port` of its own; their state lives in the same folder. `extraWorkers`: more workers
 * reached by their `routes` (bench/fanout.mjs's bare broadcaster).
 */
export async function serveWorkerd({ port, persistTo, inspectorPort, bindings = {}, apiPort, peers = [], extraWorkers = [] }) {
  // The API imports its compiled messages (generated, not committed), as under servePortal.
  await compileMessages()
  const out = path.join(root, '.wrangler', 'bench-build')
  const apiScript = bundle('wrangler.toml', path.join(out, 'api'))
  const webScript = bundle('web/wrangler.toml', path.join(out, 'web'))
  const state = path.join(path.resolve(root, persistTo), 'v3')
  const compat = { compatibilityDate: '2026-08-01', compatibilityFlags: ['nodejs_compat'] }
  const mf = new Miniflare(convertV4MiniflareOptions({
    host: '127.0.0.1',
    port,
    inspectorPort,
    // <persistTo>/v3/{d1,do}: where wrangler's local D1 commands and `wrangler dev` keep state.
    resourcePersistencePath: state,
    workers: [
      {
        name: 'trellis-web',
        modules: true,
        scriptPath: webScript,
        ...compat,
        assets: { directory: path.join(root, 'web', '.svelte-kit', 'cloudflare'), binding: 'ASSETS', routerConfig: { has_user_worker: true } },
        serviceBindings: { API: 'trellis-api' },
      },
      {
        name: 'trellis-api',
        modules: true,
        scriptPath: apiScript,
        ...compat,
        bindings: { ...vars('wrangler.toml'), DEV_TOOLS: 'true', ...bindings },
        d1Databases: { DB: '00000000-0000-0000-0000-000000000000' },
        durableObjects: { ACTIVITY: { className: 'ActivityLog', useSQLite: true }, LIVE_RELAY: { className: 'LiveRelay', useSQLite: true } },
        ...(apiPort ? { unsafeDirectSockets: [{ host: '127.0.0.1', port: apiPort }] } : {}),
      },
      // Benchmarks' own workers (bench/fanout.mjs's bare broadcaster), reached by their routes.
      ...extraWorkers.map((w) => ({ ...compat, ...w })),
      ...peers.map(({ port: peerPort, ...worker }) => ({ ...compat, ...worker, unsafeDirectSockets: [{ host: '127.0.0.1', port: peerPort }] })),
    ],
  }))
  await mf.ready
  const stop = () => mf.dispose()
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`)
      if (res.ok) return { stop, url: `http://127.0.0.1:${port}` }
    } catch {}
    await new Promise((r) => setTimeout(r, 250))
  }
  await stop()
  throw new Error(`the portal did not answer on :${port} within 60 s`)
}
