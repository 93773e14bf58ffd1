// npm run bench:totp — TOTP verifications per second, in-process, one core (this process).
// Node runs the same TypeScript module the worker ships (type stripping). Two measures:
//  1. matchTotp: the code check itself (HMAC-SHA-1 per step, one step of drift either side).
//     Half the codes are right (found at the first step), half wrong (three HMACs each: the worst case).
//  2. the same plus unsealing the stored key (AES-256-GCM through WebCrypto), as a sign-in does it.
import os from 'node:os'
import { execFileSync } from 'node:child_process'
import { open, seal } from '../worker/src/crypto/secret-box.ts'
import { matchTotp, newTotpKey, totpCode, totpStep } from '../worker/src/crypto/totp.ts'

const N = Number(process.env.BENCH_TOTP ?? 200_000)
const KEYS = 1000
const keys = Array.from({ length: KEYS }, () => newTotpKey())
const now = Date.now()
const step = totpStep(now)
const codes = keys.map((k, i) => (i % 2 === 0 ? totpCode(k, step - 1) : String((Number(totpCode(k, step)) + 1) % 1_000_000).padStart(6, '0')))

// Warm-up.
for (let i = 0; i < 5000; i++) matchTotp(keys[i % KEYS], codes[i % KEYS], null, now)

let hits = 0
let t0 = performance.now()
for (let i = 0; i < N; i++) if (matchTotp(keys[i % KEYS], codes[i % KEYS], null, now) !== null) hits++
const checkSeconds = (performance.now() - t0) / 1000

const SECRET = 'bench-secret'
const sealed = await Promise.all(keys.map((k, i) => seal(SECRET, k, `usr_${i}`)))
const M = Math.min(N, 50_000)
t0 = performance.now()
for (let i = 0; i < M; i++) {
  const key = await open(SECRET, sealed[i % KEYS], `usr_${i % KEYS}`)
  matchTotp(key, codes[i % KEYS], null, now)
}
const fullSeconds = (performance.now() - t0) / 1000

let commit = 'unknown'
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim()
} catch {}
const fmt = (n) => Math.round(n).toLocaleString('en-US')
console.log(`TOTP verification, ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), Node ${process.version}, commit ${commit}`)
console.log(`  matchTotp:            ${fmt(N)} checks in ${checkSeconds.toFixed(2)} s = ${fmt(N / checkSeconds)}/s (right codes: ${fmt(hits)})`)
console.log(`  unseal + matchTotp:   ${fmt(M)} checks in ${fullSeconds.toFixed(2)} s = ${fmt(M / fullSeconds)}/s`)
// The target is the code check; unsealing (one AES-GCM decrypt per sign-in) is shown beside it.
const ok = N / checkSeconds >= 10_000
console.log(ok ? '  target ≥ 10,000 checks/s: met' : '  target ≥ 10,000 checks/s: NOT met')
if (!ok) process.exitCode = 1
