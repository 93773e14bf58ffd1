// npm run bench:authz — throughput of the pure decision function on a large tree.
// 1 platform, 50 resellers, 5,000 customers, 100,000 services; principals of
// every level and scope mode; one core (this process). Node runs the same
// TypeScript module the worker ships (type stripping).
import os from 'node:os'
import { permissions } from '../worker/src/authz/catalogue.ts'
import { can } from '../worker/src/authz/decide.ts'
import { builtinRoles } from '../worker/src/authz/roles.ts'

const RESELLERS = 50
const CUSTOMERS = 5000
const SERVICES = 100_000
const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 3_000_000)

let seed = 42
const rand = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n)

const platform = { id: 'p', path: '/p/', kind: 'platform' }
const resellers = Array.from({ length: RESELLERS }, (_, i) => ({ id: `r${i}`, path: `/p/r${i}/`, kind: 'reseller' }))
const customers = Array.from({ length: CUSTOMERS }, (_, i) => {
  const r = resellers[i % RESELLERS]
  return { id: `c${i}`, path: `${r.path}c${i}/`, kind: 'customer' }
})
const tags = ['vip', 'eu', 'us', 'managed', 'backup', 'dev']
const services = Array.from({ length: SERVICES }, (_, i) => ({
  id: `s${i}`,
  owner: customers[i % CUSTOMERS],
  groupId: `g${i % 500}`,
  tags: [tags[i % tags.length], tags[(i * 7) % tags.length]],
  partnerAccess: i % 3 !== 0,
}))

const roles = builtinRoles.map((r) => r.permissions)
const scopes = [
  { mode: 'all' },
  { mode: 'none' },
  { mode: 'selected', services: Array.from({ length: 20 }, (_, i) => `s${i * 97}`), groups: ['g1', 'g2', 'g3'] },
  { mode: 'tagged', tags: ['vip', 'managed'] },
]
const levels = ['owner', 'admin', 'user']
const grantAt = (account, level, k) => ({ accountId: account.id, path: account.path, kind: account.kind, level, permissions: roles[k % roles.length], scope: scopes[k % scopes.length] })

// 400 principals: platform staff, reseller staff and customer members, 1–2 memberships each.
const principals = Array.from({ length: 400 }, (_, k) => {
  const level = levels[k % 3]
  const home = k % 10 === 0 ? platform : k % 2 ? resellers[rand(RESELLERS)] : customers[rand(CUSTOMERS)]
  const grants = [grantAt(home, level, k)]
  if (k % 5 === 0) grants.push(grantAt(customers[rand(CUSTOMERS)], levels[(k + 1) % 3], k + 3))
  return grants
})

// Pre-draw the questions so the timed loop measures only decisions.
const N = 1 << 16
// Half the questions aim inside the principal's own tree, half anywhere.
const customersOf = (account) =>
  account.kind === 'platform' ? customers : account.kind === 'reseller' ? customers.filter((c) => c.path.startsWith(account.path)) : [account]
const byId = new Map([platform, ...resellers, ...customers].map((a) => [a.id, a]))
const reachable = principals.map((grants) => customersOf(byId.get(grants[0].accountId)))
const servicesOf = new Map()
for (const s of services) (servicesOf.get(s.owner) ?? servicesOf.set(s.owner, []).get(s.owner)).push(s)
const questions = Array.from({ length: N }, () => {
  const p = rand(principals.length)
  const inside = rand(2) === 0
  const owner = inside ? reachable[p][rand(reachable[p].length)] : customers[rand(CUSTOMERS)]
  const owned = servicesOf.get(owner)
  const service = rand(2) === 0 ? owned[rand(owned.length)] : undefined
  return { grants: principals[p], permission: permissions[rand(permissions.length)], account: owner, service }
})

let allowed = 0
const run = (count) => {
  for (let i = 0; i < count; i++) {
    const q = questions[i & (N - 1)]
    if (can(q.grants, q.permission, q.account, q.service).ok) allowed++
  }
}
run(200_000) // warm up the JIT
allowed = 0
const start = process.hrtime.bigint()
run(DECISIONS)
const seconds = Number(process.hrtime.bigint() - start) / 1e9
const rate = DECISIONS / seconds

console.log(`${new Date().toISOString()} · ${os.cpus()[0]?.model} · node ${process.version}`)
console.log(`tree: 1 platform, ${RESELLERS} resellers, ${CUSTOMERS.toLocaleString('en')} customers, ${SERVICES.toLocaleString('en')} services; ${principals.length} principals (all levels and scope modes)`)
console.log(`${DECISIONS.toLocaleString('en')} decisions in ${seconds.toFixed(2)} s → ${Math.round(rate).toLocaleString('en')} decisions/s on one core (${((allowed / DECISIONS) * 100).toFixed(1)}% allowed); target ≥ 1,000,000/s`)
