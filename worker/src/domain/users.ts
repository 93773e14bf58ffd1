import { eq } from 'drizzle-orm'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'

const { users } = schema

/** Emails are compared trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

/** Find a user by email (normalised), with the password hash. */
export function findUserByEmail(db: DB, email: string) {
  return db.select().from(users).where(eq(users.email, normalizeEmail(email))).get()
}

/** Replace a user's password hash (after a rehash with stronger parameters). */
export async function updatePasswordHash(db: DB, userId: string, passwordHash: string) {
  await db.update(users).set({ passwordHash, updatedAt: Date.now() }).where(eq(users.id, userId))
}

/** A login by id (id, email, name), or undefined. */
export function findUserById(db: DB, id: string) {
  return db.select({ id: schema.users.id, email: schema.users.email, name: schema.users.name, passwordHash: schema.users.passwordHash }).from(schema.users).where(eq(schema.users.id, id)).get()
}

/** Remember the account a person last worked in: the next sign-in opens it. */
export async function rememberLastAccount(db: DB, userId: string, accountId: string) {
  await db.update(users).set({ lastAccountId: accountId }).where(eq(users.id, userId))
}

/** Change a person's own profile: their name, or the language of their pages and emails (null: the portal's, then the browser's). */
export async function updateProfile(db: DB, userId: string, change: { name: string } | { locale: 'en' | 'fr' | null }) {
  await db.update(users).set({ ...change, updatedAt: Date.now() }).where(eq(users.id, userId))
}
