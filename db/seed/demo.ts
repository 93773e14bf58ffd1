/**
 * Demo data for local development and tests: the Nimbus Cloud platform, two
 * resellers (Acme Hosting, Globex Partners), their customers and people. Every
 * statement is INSERT OR IGNORE on fixed ids, so applying it twice changes
 * nothing. Never applied by the deploy command.
 */
import { createHash } from 'node:crypto'

export const DEMO_PASSWORD = 'trellis-demo'

type Kind = 'platform' | 'reseller' | 'customer'
type Level = 'owner' | 'admin' | 'user'

interface DemoAccount {
  key: string
  name: string
  kind: Kind
  parent?: string
}

interface DemoUser {
  email: string
  name: string
  memberships: [account: string, level: Level][]
}

export const demoAccounts: DemoAccount[] = [
  { key: 'nimbus', name: 'Nimbus Cloud', kind: 'platform' },
  { key: 'acme', name: 'Acme Hosting', kind: 'reseller', parent: 'nimbus' },
  { key: 'globex', name: 'Globex Partners', kind: 'reseller', parent: 'nimbus' },
  { key: 'bluebird', name: 'Bluebird Bakery', kind: 'customer', parent: 'acme' },
  { key: 'copperleaf', name: 'Copperleaf Studio', kind: 'customer', parent: 'acme' },
  { key: 'driftwood', name: 'Driftwood Dental', kind: 'customer', parent: 'acme' },
  { key: 'evergreen', name: 'Evergreen Legal', kind: 'customer', parent: 'globex' },
  { key: 'foxglove', name: 'Foxglove Farms', kind: 'customer', parent: 'globex' },
]

export const demoUsers: DemoUser[] = [
  { email: 'admin@nimbus.test', name: 'Nora Lindqvist', memberships: [['nimbus', 'owner']] },
  { email: 'owner@acme.test', name: 'Alex Moreno', memberships: [['acme', 'owner']] },
  { email: 'sarah@acme.test', name: 'Sarah Chen', memberships: [['acme', 'admin']] },
  { email: 'tom@acme.test', name: 'Tom Becker', memberships: [['acme', 'user']] },
  { email: 'owner@globex.test', name: 'Grace Okafor', memberships: [['globex', 'owner']] },
  { email: 'owner@bluebird.test', name: 'Bea Lawson', memberships: [['bluebird', 'owner']] },
  { email: 'owner@copperleaf.test', name: 'Carl Jensen', memberships: [['copperleaf', 'owner']] },
  { email: 'owner@driftwood.test', name: 'Dana Whitfield', memberships: [['driftwood', 'owner']] },
  { email: 'owner@evergreen.test', name: 'Eve Marsh', memberships: [['evergreen', 'owner']] },
  { email: 'owner@foxglove.test', name: 'Finn Gallagher', memberships: [['foxglove', 'owner']] },
  // One login, two customer accounts under two different resellers.
  { email: 'sam@freelance.test', name: 'Sam Rivera', memberships: [['bluebird', 'admin'], ['evergreen', 'user']] },
]

/** A stable, random-looking id: demo ids never change between starts. */
export function demoId(prefix: string, key: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  const digest = createHash('sha256').update(`trellis-demo:${prefix}:${key}`).digest()
  let out = ''
  for (let i = 0; i < 16; i++) out += alphabet[digest[i]! % 32]
  return `${prefix}_${out}`
}

export type SeedStatement = {
  sql: string
  params: (string | number | null)[]
}

/** The demo data as parameterised statements; `passwordHash` is a PHC string for DEMO_PASSWORD. */
export function demoSeed(passwordHash: string): SeedStatement[] {
  const paths = new Map<string, string>()
  const statements: SeedStatement[] = []
  for (const a of demoAccounts) {
    const id = demoId('acc', a.key)
    const path = `${a.parent ? paths.get(a.parent)! : '/'}${id}/`
    paths.set(a.key, path)
    statements.push({
      sql: 'INSERT OR IGNORE INTO accounts (id, parent_id, kind, name, status, path) VALUES (?, ?, ?, ?, ?, ?)',
      params: [id, a.parent ? demoId('acc', a.parent) : null, a.kind, a.name, 'active', path],
    })
  }
  for (const u of demoUsers) {
    const userId = demoId('usr', u.email)
    statements.push({
      sql: 'INSERT OR IGNORE INTO users (id, email, name, password_hash) VALUES (?, ?, ?, ?)',
      params: [userId, u.email, u.name, passwordHash],
    })
    for (const [account, level] of u.memberships) {
      statements.push({
        sql: 'INSERT OR IGNORE INTO memberships (id, user_id, account_id, level) VALUES (?, ?, ?, ?)',
        params: [demoId('mem', `${u.email}:${account}`), userId, demoId('acc', account), level],
      })
    }
  }
  return statements
}

/** The same statements as one SQL script (for `wrangler d1 execute --file`). */
export function demoSeedSql(passwordHash: string): string {
  const literal = (v: string | number | null) =>
    v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`
  return demoSeed(passwordHash)
    .map((s) => {
      let i = 0
      return `${s.sql.replace(/\?/g, () => literal(s.params[i++]!))};`
    })
    .join('\n')
}
