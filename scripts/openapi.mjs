// npm run openapi: write the API's OpenAPI document (as the running worker serves it) to a
// file, and with --lint check it with Spectral's OpenAPI rules (part of `npm run check`).
// The API worker runs alone in wrangler dev on free ports with a throwaway local D1.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { root } from './portal.mjs'

const args = process.argv.slice(2)
const lint = args.includes('--lint')
const out = path.resolve(root, args.find((a) => !a.startsWith('--')) ?? '.wrangler/openapi.json')
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_D1_WARNING: 'true', CI: 'true' }

/** A port nobody listens on right now. */
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

const state = mkdtempSync(path.join(os.tmpdir(), 'trellis-openapi-'))
const run = (cmd, argv) => {
  const result = spawnSync(cmd, argv, { cwd: root, env, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${result.stdout}${result.stderr}`)
}
run('wrangler', ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state, '-c', 'wrangler.toml'])
const [port, inspector] = [await freePort(), await freePort()]
const child = spawn('wrangler', ['dev', '-c', 'wrangler.toml', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), '--persist-to', state, '--show-interactive-dev-session=false'], {
  cwd: root,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true,
})
let output = ''
child.stdout.on('data', (d) => (output += d))
child.stderr.on('data', (d) => (output += d))
const stop = () => {
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {}
  rmSync(state, { recursive: true, force: true })
}

let doc = null
try {
  const deadline = Date.now() + 120_000
  while (!doc && Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`)
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/openapi.json`)
      if (res.ok) doc = await res.json()
    } catch {}
    if (!doc) await new Promise((r) => setTimeout(r, 250))
  }
  if (!doc) throw new Error(`the API did not answer within 120 s:\n${output}`)
} finally {
  stop()
}
mkdirSync(path.dirname(out), { recursive: true })
writeFileSync(out, JSON.stringify(doc, null, 2) + '\n')
console.log(`openapi: ${Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0)} operations written to ${path.relative(root, out)}`)
if (lint) {
  const result = spawnSync('spectral', ['lint', out, '--ruleset', path.join(root, '.spectral.yaml'), '--fail-severity', 'warn'], { cwd: root, env, stdio: 'inherit' })
  process.exit(result.status ?? 1)
}
