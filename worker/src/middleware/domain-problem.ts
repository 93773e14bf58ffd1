import type { DB } from '../db.ts'
import { effectiveLimit, LimitReached, type LimitName } from '../domain/limits.ts'
import { AppError, fieldError, type DomainError } from '../errors.ts'

function describe(limit: LimitName, value: number | null) {
  const n = value ?? 0
  if (limit === 'max_customers') return `This reseller may have at most ${n} customer${n === 1 ? '' : 's'}.`
  if (limit === 'max_staff') return `This account may have at most ${n} member${n === 1 ? '' : 's'}.`
  if (limit === 'max_admins') return `This account already has its maximum of ${n} admin${n === 1 ? '' : 's'}.`
  return `This reseller may have at most ${n} ${limit.slice(13).replace('_', ' ')} service${n === 1 ? '' : 's'}.`
}

/**
 * The problem for a write refused by a reseller limit (rule 9):
 * 422 `{ code: "limit_reached", limit: "max_customers", value: 10 }`, naming
 * `field` when one form field caused it.
 */
async function limitProblem(db: DB, accountPath: string, limit: LimitName, field?: string) {
  const value = await effectiveLimit(db, accountPath, limit)
  const detail = describe(limit, value)
  return new AppError('limit_reached', field ? `${field}: ${detail}` : detail, {
    limit,
    value,
    ...(field && { errors: [{ field, message: detail }] }),
  })
}

/**
 * The problem that tells the caller of a refusal from below the routes (the
 * app's onError calls this, once for every route): its code and detail, the
 * field when one caused it; a limit also says which, and its value.
 */
export async function domainProblem(db: DB, error: DomainError): Promise<AppError> {
  if (error instanceof LimitReached) return limitProblem(db, error.accountPath, error.limit, error.field)
  return error.field ? fieldError(error.code, error.field, error.detail) : new AppError(error.code, error.detail)
}
