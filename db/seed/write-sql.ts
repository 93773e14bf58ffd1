/**
 * Write the demo data as an SQL script for `wrangler d1 execute --file`.
 * Usage: node db/seed/write-sql.ts <out.sql>
 */
import { writeFileSync } from 'node:fs'
import { hashPassword, OWASP_ARGON2 } from '../../worker/src/crypto/password.ts'
import { DEMO_PASSWORD, demoSeedSql } from './demo.ts'

const out = process.argv[2]
if (!out) throw new Error('usage: node db/seed/write-sql.ts <out.sql>')
writeFileSync(out, demoSeedSql(hashPassword(DEMO_PASSWORD, OWASP_ARGON2)) + '\n')
