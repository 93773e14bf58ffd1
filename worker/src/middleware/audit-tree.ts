import type { Context } from 'hono'
import type { AppEnv } from '../env.ts'
import { audit, type AuditEntry } from './audit.ts'

/**
 * Write one event about a customer's business with its parent so that both
 * logs hold it: the customer's log, which forwards to its reseller's; and,
 * when the parent is the platform (whose log receives no forwarded events),
 * the platform's log as well.
 */
export async function auditWithParent<E extends AppEnv>(c: Context<E>, account: { id: string; path: string }, entry: AuditEntry) {
  await audit(c, account, entry)
  const ids = account.path.split('/').filter(Boolean)
  if (ids.length === 2) await audit(c, { id: ids[0]!, path: `/${ids[0]}/` }, entry)
}
