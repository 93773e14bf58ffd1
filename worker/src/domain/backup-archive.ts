import { z } from '@hono/zod-openapi'
import { serviceStatuses, serviceTypes } from '../../../db/schema/services.ts'
import { isPermission, isSectionKey } from '../authz/catalogue.ts'
import { builtinRoles } from '../authz/roles.ts'
import { friendlyMessage } from '../validation-messages.ts'
import { ScopeSchema } from './scope.ts'

/**
 * The backup archive, version 1 (docs/decisions/021-backups-and-settings.md):
 * gzip-compressed JSON lines, one object per line with its kind in `t`.
 * Line 1 is the header (format, version, the exported root and how many lines
 * of each kind follow); then accounts (parents before children), templates,
 * roles, service groups, services, members, brands, hostnames; the last line
 * is `end` with the total, so a cut-off file is refused. Nothing secret is in
 * it: no password hashes, sessions, tokens, API keys, second factors,
 * verification tokens or logos; people are named by email.
 *
 * An archive is untrusted input when it comes back: every line is checked
 * against these schemas (unknown fields are refused) and the whole against
 * the rules in `checkArchive`, with errors naming the line and the field.
 */

export const ARCHIVE_FORMAT = 'trellis-backup'
export const ARCHIVE_VERSION = 1
/** At most this many lines in one archive. */
export const MAX_ARCHIVE_LINES = 20_000
/** At most this many bytes on one line. */
export const MAX_LINE_BYTES = 16 * 1024
/** At most this many bytes uncompressed. */
export const MAX_ARCHIVE_BYTES = 16 * 1024 * 1024
/** At most this many bytes as uploaded (gzip). */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Not a valid id.')
const text = (max: number) => z.string().trim().min(1).max(max)
const when = z.number().int().min(0).max(8_640_000_000_000)
const limit = z.number().int().min(0).max(1_000_000).nullable()

const LimitsSchema = z
  .object({
    max_customers: limit.optional(),
    max_staff: limit.optional(),
    max_admins: limit.optional(),
    max_services: z.partialRecord(z.enum(serviceTypes), limit).optional(),
  })
  .strict()

const counts = z.object({
  accounts: z.number().int().min(0),
  templates: z.number().int().min(0),
  roles: z.number().int().min(0),
  groups: z.number().int().min(0),
  services: z.number().int().min(0),
  members: z.number().int().min(0),
  brands: z.number().int().min(0),
  hostnames: z.number().int().min(0),
})
export type ArchiveCounts = z.infer<typeof counts>
export const archiveKinds = ['account', 'template', 'role', 'group', 'service', 'member', 'brand', 'hostname'] as const
/** The header's count key of each line kind. */
export const countKey = { account: 'accounts', template: 'templates', role: 'roles', group: 'groups', service: 'services', member: 'members', brand: 'brands', hostname: 'hostnames' } as const

const Header = z
  .object({
    t: z.literal('header'),
    format: z.literal(ARCHIVE_FORMAT),
    version: z.literal(ARCHIVE_VERSION, { message: `Only version ${ARCHIVE_VERSION} archives can be restored.` }),
    exportedAt: when,
    root: z.object({ id, kind: z.enum(['reseller', 'customer']), name: text(120), parentId: id }).strict(),
    counts,
    total: z.number().int().min(2).max(MAX_ARCHIVE_LINES),
  })
  .strict()

const AccountLine = z
  .object({
    t: z.literal('account'),
    id,
    parentId: id,
    kind: z.enum(['reseller', 'customer']),
    name: text(120),
    status: z.enum(['active', 'disabled']),
    statusReason: z.string().max(500).nullable(),
    showReason: z.boolean(),
    adminCap: z.number().int().min(1).max(100),
    pageViewLogging: z.boolean().nullable(),
    partnerAccessDefault: z.boolean(),
    poweredBy: z.boolean(),
    limits: LimitsSchema.nullable(),
    access: z.array(z.string().refine(isSectionKey, 'Not a section of the menu.')).max(40).nullable(),
    templateId: id.nullable(),
    createdAt: when,
  })
  .strict()

const TemplateLine = z
  .object({ t: z.literal('template'), id, accountId: id, name: text(120), limits: LimitsSchema, access: z.array(z.string().refine(isSectionKey, 'Not a section of the menu.')).max(40).nullable() })
  .strict()

const RoleLine = z
  .object({
    t: z.literal('role'),
    id,
    accountId: id,
    name: text(80),
    description: z.string().max(500),
    permissions: z.array(z.string().refine(isPermission, 'Not a permission of the catalogue.')).max(100),
  })
  .strict()

const GroupLine = z.object({ t: z.literal('group'), id, accountId: id, name: text(120) }).strict()

const ServiceLine = z
  .object({
    t: z.literal('service'),
    id,
    accountId: id,
    type: z.enum(serviceTypes),
    name: text(200),
    status: z.enum(serviceStatuses),
    expiresAt: when.nullable(),
    groupId: id.nullable(),
    partnerAccess: z.boolean(),
    tags: z.array(z.string().trim().min(1).max(40)).max(50),
    createdAt: when,
  })
  .strict()

const builtinKeys = new Set<string>(builtinRoles.map((r) => r.key))

const MemberLine = z
  .object({
    t: z.literal('member'),
    id,
    accountId: id,
    email: z.string().trim().toLowerCase().max(254).pipe(z.email('Not an email address.')),
    name: text(120),
    level: z.enum(['owner', 'admin', 'user']),
    roles: z.array(id).max(40),
    scope: ScopeSchema,
    /** When the membership ends by itself (absent: it lasts). */
    endsAt: when.optional(),
    /** Roles among `roles` that end by themselves, with when (absent: none does). */
    roleEnds: z.record(id, when).optional(),
  })
  .strict()

const hex = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Not a colour like #1a2b3c.')
const BrandLine = z
  .object({
    t: z.literal('brand'),
    accountId: id,
    name: text(120),
    primaryColor: hex,
    accentColor: hex,
    supportEmail: z.string().trim().max(254).pipe(z.email('Not an email address.')).nullable(),
    supportUrl: z.url({ protocol: /^https?$/, message: 'Not a web address.' }).max(500).nullable(),
    loginMessage: z.string().max(1000).nullable(),
  })
  .strict()

const HostnameLine = z
  .object({
    t: z.literal('hostname'),
    id,
    hostname: z.string().trim().toLowerCase().min(1).max(253).regex(/^[a-z0-9.-]+$/, 'Not a hostname.'),
    resellerAccountId: id,
    customerAccountId: id.nullable(),
  })
  .strict()

const EndLine = z.object({ t: z.literal('end'), total: z.number().int().min(2).max(MAX_ARCHIVE_LINES) }).strict()

const Line = z.discriminatedUnion('t', [Header, AccountLine, TemplateLine, RoleLine, GroupLine, ServiceLine, MemberLine, BrandLine, HostnameLine, EndLine])

export type HeaderLine = z.infer<typeof Header>
export type ArchivedAccount = z.infer<typeof AccountLine>
export type ArchivedTemplate = z.infer<typeof TemplateLine>
export type ArchivedRole = z.infer<typeof RoleLine>
export type ArchivedGroup = z.infer<typeof GroupLine>
export type ArchivedService = z.infer<typeof ServiceLine>
export type ArchivedMember = z.infer<typeof MemberLine>
export type ArchivedBrand = z.infer<typeof BrandLine>
export type ArchivedHostname = z.infer<typeof HostnameLine>
export type ArchiveLine = z.infer<typeof Line>

/** A parsed archive; `line` maps each record back to its line number for refusals. */
export interface Archive {
  header: HeaderLine
  accounts: ArchivedAccount[]
  templates: ArchivedTemplate[]
  roles: ArchivedRole[]
  groups: ArchivedGroup[]
  services: ArchivedService[]
  members: ArchivedMember[]
  brands: ArchivedBrand[]
  hostnames: ArchivedHostname[]
  line: Map<object, number>
}

/** One refusal: where (`line 12.name`, `body`) and what. */
export interface ArchiveError {
  field: string
  message: string
}

const MAX_ERRORS = 20

/**
 * Parse and check an archive's text. Returns the archive, or the first
 * errors (at most 20), each naming its line and field.
 */
export function parseArchive(text: string): { ok: true; archive: Archive } | { ok: false; errors: ArchiveError[] } {
  const errors: ArchiveError[] = []
  const rows = text.split('\n')
  if (rows.at(-1) === '') rows.pop()
  if (rows.length > MAX_ARCHIVE_LINES) return { ok: false, errors: [{ field: 'body', message: `An archive holds at most ${MAX_ARCHIVE_LINES} lines; this one has ${rows.length}.` }] }
  if (rows.length < 2) return { ok: false, errors: [{ field: 'body', message: 'This is not a backup archive: it has no header and end lines.' }] }
  const parsed: { n: number; line: ArchiveLine }[] = []
  rows.forEach((raw, i) => {
    if (errors.length >= MAX_ERRORS) return
    const n = i + 1
    if (raw.length > MAX_LINE_BYTES) return void errors.push({ field: `line ${n}`, message: `The line is longer than ${MAX_LINE_BYTES / 1024} KB.` })
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch {
      return void errors.push({ field: `line ${n}`, message: 'The line is not valid JSON.' })
    }
    const result = Line.safeParse(value)
    if (!result.success) {
      for (const issue of result.error.issues.slice(0, 3)) {
        const path = issue.path.map(String).join('.')
        errors.push({ field: path ? `line ${n}.${path}` : `line ${n}`, message: friendlyMessage(issue) })
      }
      return
    }
    parsed.push({ n, line: result.data })
  })
  if (errors.length) return { ok: false, errors: errors.slice(0, MAX_ERRORS) }

  const first = parsed[0]!.line
  const last = parsed.at(-1)!.line
  if (first.t !== 'header') return { ok: false, errors: [{ field: 'line 1', message: 'The first line must be the archive header.' }] }
  if (last.t !== 'end') return { ok: false, errors: [{ field: `line ${rows.length}`, message: 'The archive is cut off: its last line must be the end line.' }] }
  if (last.total !== rows.length || first.total !== rows.length) {
    return { ok: false, errors: [{ field: `line ${rows.length}.total`, message: `The archive says it has ${last.total} lines but ${rows.length} arrived.` }] }
  }
  const archive: Archive = { header: first, accounts: [], templates: [], roles: [], groups: [], services: [], members: [], brands: [], hostnames: [], line: new Map() }
  for (const { n, line } of parsed.slice(1, -1)) {
    if (line.t === 'header' || line.t === 'end') {
      errors.push({ field: `line ${n}.t`, message: 'Only the first line is a header and only the last is the end.' })
      continue
    }
    archive.line.set(line, n)
    const { t: _, ...rest } = line
    void rest
    if (line.t === 'account') archive.accounts.push(line)
    else if (line.t === 'template') archive.templates.push(line)
    else if (line.t === 'role') archive.roles.push(line)
    else if (line.t === 'group') archive.groups.push(line)
    else if (line.t === 'service') archive.services.push(line)
    else if (line.t === 'member') archive.members.push(line)
    else if (line.t === 'brand') archive.brands.push(line)
    else archive.hostnames.push(line)
  }
  for (const kind of archiveKinds) {
    const key = countKey[kind]
    const have = archive[key].length
    if (have !== first.counts[key]) errors.push({ field: 'line 1.counts.' + key, message: `The header counts ${first.counts[key]} ${key} but the archive holds ${have}.` })
  }
  errors.push(...checkArchive(archive))
  return errors.length ? { ok: false, errors: errors.slice(0, MAX_ERRORS) } : { ok: true, archive }
}

/**
 * The archive's own consistency: one root (the header's) whose parent lies
 * outside it, every other account's parent inside it and written before it,
 * resellers hold customers and customers nothing, no id twice, and every
 * record belongs to an account of the archive and refers only to its own
 * account's roles and groups.
 */
export function checkArchive(a: Archive): ArchiveError[] {
  const errors: ArchiveError[] = []
  const at = (record: object, field?: string) => `line ${a.line.get(record) ?? '?'}${field ? `.${field}` : ''}`
  const seen = new Set<string>()
  const unique = (record: object, value: string, field = 'id') => {
    if (seen.has(value)) errors.push({ field: at(record, field), message: `The id ${value} appears twice in the archive.` })
    seen.add(value)
  }
  const accounts = new Map<string, ArchivedAccount>()
  const root = a.accounts[0]
  if (!root || root.id !== a.header.root.id) {
    errors.push({ field: root ? at(root, 'id') : 'line 1.root.id', message: 'The first account must be the root the header names.' })
    return errors
  }
  if (root.parentId !== a.header.root.parentId || root.kind !== a.header.root.kind) errors.push({ field: at(root), message: 'The root account does not match the header.' })
  for (const account of a.accounts) {
    unique(account, account.id)
    if (account !== root) {
      const parent = accounts.get(account.parentId)
      if (!parent) errors.push({ field: at(account, 'parentId'), message: `The parent ${account.parentId} is not earlier in the archive.` })
      else if (parent.kind !== 'reseller' || account.kind !== 'customer') errors.push({ field: at(account, 'kind'), message: 'Only resellers hold accounts, and they hold customers.' })
    }
    accounts.set(account.id, account)
  }
  const inArchive = (record: { accountId: string }) => {
    if (!accounts.has(record.accountId)) errors.push({ field: at(record, 'accountId'), message: `The account ${record.accountId} is not in the archive.` })
  }
  const roles = new Map<string, ArchivedRole>()
  const roleNames = new Set<string>()
  for (const role of a.roles) {
    unique(role, role.id)
    inArchive(role)
    const key = `${role.accountId}\n${role.name.toLowerCase()}`
    if (roleNames.has(key)) errors.push({ field: at(role, 'name'), message: `Two roles of one account are called ${role.name}.` })
    roleNames.add(key)
    roles.set(role.id, role)
  }
  for (const template of a.templates) {
    unique(template, template.id)
    inArchive(template)
  }
  const groups = new Map<string, ArchivedGroup>()
  for (const group of a.groups) {
    unique(group, group.id)
    inArchive(group)
    groups.set(group.id, group)
  }
  for (const service of a.services) {
    unique(service, service.id)
    inArchive(service)
    if (service.groupId && groups.get(service.groupId)?.accountId !== service.accountId)
      errors.push({ field: at(service, 'groupId'), message: `The group ${service.groupId} is not a group of the service's account.` })
  }
  const emails = new Set<string>()
  for (const member of a.members) {
    unique(member, member.id)
    inArchive(member)
    const key = `${member.accountId}\n${member.email}`
    if (emails.has(key)) errors.push({ field: at(member, 'email'), message: `${member.email} is a member of one account twice.` })
    emails.add(key)
    member.roles.forEach((r, i) => {
      if (!builtinKeys.has(r) && roles.get(r)?.accountId !== member.accountId) errors.push({ field: at(member, `roles.${i}`), message: `The role ${r} is neither built in nor a role of the member's account.` })
    })
  }
  const branded = new Set<string>()
  for (const brand of a.brands) {
    inArchive(brand)
    if (branded.has(brand.accountId)) errors.push({ field: at(brand, 'accountId'), message: 'An account has one brand.' })
    branded.add(brand.accountId)
  }
  const names = new Set<string>()
  for (const h of a.hostnames) {
    unique(h, h.id)
    if (h.customerAccountId && !accounts.has(h.customerAccountId)) errors.push({ field: at(h, 'customerAccountId'), message: `The account ${h.customerAccountId} is not in the archive.` })
    if (!h.customerAccountId && !accounts.has(h.resellerAccountId)) errors.push({ field: at(h, 'resellerAccountId'), message: `The account ${h.resellerAccountId} is not in the archive.` })
    if (names.has(h.hostname)) errors.push({ field: at(h, 'hostname'), message: `${h.hostname} appears twice.` })
    names.add(h.hostname)
  }
  return errors
}

/**
 * The text of an uploaded archive: gunzipped when it starts with the gzip
 * magic bytes, else read as plain JSON lines. Refuses more than
 * MAX_ARCHIVE_BYTES once uncompressed (a zip bomb stops there), a broken
 * gzip stream and text that is not UTF-8.
 */
export async function decodeArchive(bytes: Uint8Array): Promise<{ ok: true; text: string } | { ok: false; tooLarge: boolean; message: string }> {
  if (!bytes.length) return { ok: false, tooLarge: false, message: 'The file is empty.' }
  let raw = bytes
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')).getReader()
    const parts: Uint8Array[] = []
    let size = 0
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.byteLength
        if (size > MAX_ARCHIVE_BYTES) {
          await reader.cancel().catch(() => {})
          return { ok: false, tooLarge: true, message: `The archive is larger than ${MAX_ARCHIVE_BYTES / 1024 / 1024} MB once uncompressed.` }
        }
        parts.push(value)
      }
    } catch {
      return { ok: false, tooLarge: false, message: 'The file is not a readable gzip archive.' }
    }
    raw = new Uint8Array(size)
    let at = 0
    for (const p of parts) {
      raw.set(p, at)
      at += p.byteLength
    }
  } else if (bytes.length > MAX_ARCHIVE_BYTES) {
    return { ok: false, tooLarge: true, message: `The archive is larger than ${MAX_ARCHIVE_BYTES / 1024 / 1024} MB.` }
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(raw) }
  } catch {
    return { ok: false, tooLarge: false, message: 'The file is not text in UTF-8.' }
  }
}
