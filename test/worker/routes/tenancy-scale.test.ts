import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../../../worker/src/index.ts'
import { ORIGIN, login } from '../../helpers/client.ts'
import { addMembership, createAccount, createUser } from '../../helpers/factories.ts'

/**
 * The tenancy check does not grow with the tree: a reseller with 50,000 customers is
 * checked with the same D1 statements as one with three. The D1 binding handed to the
 * worker is wrapped at the edge: every statement it runs (alone or in a batch) and every
 * round trip is counted on the real database, results untouched.
 */

const BIG = 50_000

interface Tally {
  statements: string[]
  roundTrips: number
}

/** The D1 binding, counting what goes through it. */
function counting(db: D1Database, tally: Tally): D1Database {
  const real = new WeakMap<object, D1PreparedStatement>()
  const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy: D1PreparedStatement = new Proxy(stmt, {
      get(target, prop) {
        if (prop === 'bind') return (...values: unknown[]) => wrap(target.bind(...values), sql)
        if (prop === 'first' || prop === 'all' || prop === 'run' || prop === 'raw') {
          return (...args: unknown[]) => {
            tally.statements.push(sql)
            tally.roundTrips++
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args)
          }
        }
        const value = Reflect.get(target, prop, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    real.set(proxy, stmt)
    sqls.set(proxy, sql)
    return proxy
  }
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => wrap(target.prepare(sql), sql)
      if (prop === 'batch') {
        return (stmts: D1PreparedStatement[]) => {
          tally.roundTrips++
          for (const s of stmts) tally.statements.push(`[batch] ${sqlOf(s)}`)
          return target.batch(stmts.map((s) => real.get(s) ?? s))
        }
      }
      if (prop === 'exec') throw new Error('exec is not expected on a request path')
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  function sqlOf(stmt: D1PreparedStatement) {
    return sqls.get(stmt) ?? '?'
  }
}
/** The SQL text of each wrapped statement. */
const sqls = new WeakMap<object, string>()

/** One request through the whole worker with a counting D1, its waitUntil work included. */
async function counted(path: string, cookie: string) {
  const tally: Tally = { statements: [], roundTrips: 0 }
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request(`${ORIGIN}/api/v1${path}`, { headers: { cookie } }), { ...env, DB: counting(env.DB, tally) }, ctx)
  const body = await res.text()
  await waitOnExecutionContext(ctx)
  return { status: res.status, body, ...tally }
}

/** A reseller under the platform, its owner, and `customers` customers (the last one returned), each with a service. */
async function reseller(name: string, customers: number) {
  const platform = await env.DB.prepare("SELECT id FROM accounts WHERE kind = 'platform'").first<{ id: string }>()
  const r = await createAccount({ name, kind: 'reseller', parentId: platform!.id })
  const owner = await createUser({ email: `owner@${r.id.replace(/_/g, '-')}.test`, password: 'trellis-demo-password' })
  await addMembership(owner.id, r.id, 'owner')
  // Generated inside SQLite: 50,000 rows in one statement.
  await env.DB.prepare(
    `INSERT INTO accounts (id, parent_id, kind, name, path)
     WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1)
     SELECT ?2 || '_c' || i, ?2, 'customer', 'Customer ' || substr('000000' || i, -6), ?3 || ?2 || '_c' || i || '/' FROM n`,
  )
    .bind(customers, r.id, r.path)
    .run()
  await env.DB.prepare(`INSERT INTO services (id, account_id, type, name, status) SELECT 'svc_' || id, id, 'hosting', 'site of ' || name, 'active' FROM accounts WHERE parent_id = ?`)
    .bind(r.id)
    .run()
  return { id: r.id, last: `${r.id}_c${customers - 1}`, email: owner.email }
}

/** Both resellers and their owners' sessions (each test starts from the demo data alone). */
async function trees() {
  const small = await reseller('Few Customers Ltd', 3)
  const big = await reseller('Many Customers Ltd', BIG)
  const below = await env.DB.prepare("SELECT count(*) AS n FROM accounts WHERE parent_id = ?").bind(big.id).first<{ n: number }>()
  expect(below!.n).toBe(BIG)
  return { small: { ...small, cookie: await login(small.email, 'trellis-demo-password') }, big: { ...big, cookie: await login(big.email, 'trellis-demo-password') } }
}

describe('the tenancy check at tree scale', () => {
  it("issues the same D1 statements for a reseller with 3 customers as for one with 50,000, and answers another reseller's customer 404 like a missing id", async () => {
    const { small, big } = await trees()
    const paths = [
      ['reading its last customer', (r: typeof small) => `/accounts/${r.last}`],
      ["listing that customer's services", (r: typeof small) => `/accounts/${r.last}/services?limit=50`],
      ['reading the reseller itself', (r: typeof small) => `/accounts/${r.id}`],
      ['listing its customers (first page)', (r: typeof small) => `/accounts/${r.id}/customers?limit=50`],
      ['who am I', () => '/me'],
    ] as const
    for (const [label, path] of paths) {
      // Once to fill per-isolate caches (the brand of the host), then counted.
      await counted(path(small), small.cookie)
      await counted(path(big), big.cookie)
      const few = await counted(path(small), small.cookie)
      const many = await counted(path(big), big.cookie)
      expect(few.status, few.body).toBe(200)
      expect(many.status, many.body).toBe(200)
      expect(many.roundTrips, label).toBe(few.roundTrips)
      expect(many.statements, label).toEqual(few.statements)
      // A handful, not a walk of the tree (and the counter did see them).
      expect(few.statements.length, label).toBeGreaterThan(0)
      expect(few.statements.length, label).toBeLessThanOrEqual(12)
      console.log(`${label}: ${few.roundTrips} D1 round trips, ${few.statements.length} statements, for 3 or ${BIG.toLocaleString('en')} customers`)
    }

    // Another reseller's customer answers 404 with exactly the statements of an id that does not exist.
    // (One test: resetting 50,000 rows between tests is what would cost the time.)
    await counted(`/accounts/${big.last}`, small.cookie)
    const probe = await counted(`/accounts/${big.last}`, small.cookie)
    const missing = await counted(`/accounts/${small.id}_nope`, small.cookie)
    expect(probe.status).toBe(404)
    expect(missing.status).toBe(404)
    expect(probe.roundTrips).toBe(missing.roundTrips)
    expect(probe.statements).toEqual(missing.statements)
  }, 180_000)
})
