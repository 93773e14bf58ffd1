import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { memberships } from './memberships.ts'
import { users } from './users.ts'

export const handoffStatuses = ['pending', 'accepted', 'cancelled', 'declined', 'expired'] as const
export type HandoffStatus = (typeof handoffStatuses)[number]

/**
 * An owner's offer to hand the account to one of its admins. One pending per
 * account; only the SHA-256 of the link's token is stored (docs/decisions/026).
 */
export const ownershipHandoffs = sqliteTable(
  'ownership_handoffs',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    fromMembershipId: text('from_membership_id')
      .notNull()
      .references(() => memberships.id, { onDelete: 'cascade' }),
    toMembershipId: text('to_membership_id')
      .notNull()
      .references(() => memberships.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    status: text('status', { enum: handoffStatuses }).notNull().default('pending'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    decidedAt: integer('decided_at'),
  },
  (t) => [uniqueIndex('ownership_handoffs_token_idx').on(t.tokenHash), uniqueIndex('ownership_handoffs_pending_idx').on(t.accountId).where(sql`status = 'pending'`)],
)

export const moveStatuses = ['pending', 'accepted', 'declined', 'cancelled'] as const
export type MoveStatus = (typeof moveStatuses)[number]

/**
 * A reseller's request that the owner of an existing customer organisation
 * (named by the owner's email) bring it under the reseller. The organisation
 * is chosen by its owner on accepting (docs/decisions/026).
 */
export const customerMoves = sqliteTable(
  'customer_moves',
  {
    id: text('id').primaryKey(),
    resellerId: text('reseller_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    tokenHash: text('token_hash').notNull(),
    status: text('status', { enum: moveStatuses }).notNull().default('pending'),
    requestedBy: text('requested_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    customerId: text('customer_id').references(() => accounts.id, { onDelete: 'set null' }),
    fromParentId: text('from_parent_id').references(() => accounts.id, { onDelete: 'set null' }),
    decidedAt: integer('decided_at'),
  },
  (t) => [
    uniqueIndex('customer_moves_token_idx').on(t.tokenHash),
    uniqueIndex('customer_moves_pending_idx').on(t.resellerId, t.email).where(sql`status = 'pending'`),
    index('customer_moves_reseller_idx').on(t.resellerId, t.createdAt),
  ],
)
