import { env } from 'cloudflare:test'
import { hashPassword } from '../../worker/src/crypto/password.ts'
import { newId } from '../../worker/src/crypto/tokens.ts'

/** A user with a password hashed at the test cost (or a given hash). */
export async function createUser(opts: { email?: string; name?: string; password?: string; passwordHash?: string } = {}) {
  const user = {
    id: newId('usr'),
    email: opts.email ?? `${newId('u')}@example.test`,
    name: opts.name ?? 'Test User',
  }
  const hash =
    opts.passwordHash ??
    hashPassword(opts.password ?? 'a perfectly fine password', { m: Number(env.ARGON2_MEMORY_KIB), t: Number(env.ARGON2_ITERATIONS), p: 1 })
  await env.DB.prepare('INSERT INTO users (id, email, name, password_hash) VALUES (?, ?, ?, ?)').bind(user.id, user.email, user.name, hash).run()
  return user
}

/** A child account under `parentId` (or a new platform root). */
export async function createAccount(opts: { name: string; kind: 'platform' | 'reseller' | 'customer'; parentId?: string }) {
  const id = newId('acc')
  let path = `/${id}/`
  if (opts.parentId) {
    const parent = await env.DB.prepare('SELECT path FROM accounts WHERE id = ?').bind(opts.parentId).first<{ path: string }>()
    path = `${parent!.path}${id}/`
  }
  await env.DB.prepare('INSERT INTO accounts (id, parent_id, kind, name, path) VALUES (?, ?, ?, ?, ?)')
    .bind(id, opts.parentId ?? null, opts.kind, opts.name, path)
    .run()
  return { id, path, name: opts.name }
}

/** Make `userId` a member of `accountId` at `level`. */
export async function addMembership(userId: string, accountId: string, level: 'owner' | 'admin' | 'user') {
  await env.DB.prepare('INSERT INTO memberships (id, user_id, account_id, level) VALUES (?, ?, ?, ?)')
    .bind(newId('mem'), userId, accountId, level)
    .run()
}
