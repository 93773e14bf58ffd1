/**
 * Demo data for local development and tests: the Nimbus Cloud platform, two
 * resellers (Acme Hosting, Globex Partners), their customers and people. Every
 * statement is INSERT OR IGNORE on fixed ids, so applying it twice changes
 * nothing. Never applied by the deploy command.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { decodeBase32IgnorePadding } from '@oslojs/encoding'
import { demoInvoices } from '../../worker/src/adapters/billing.ts'
import { DEV_TOTP_ENCRYPTION_KEY } from '../../worker/src/crypto/totp.ts'

export const DEMO_PASSWORD = 'trellis-demo'

/**
 * The demo API key of Acme Hosting (admin level, Technical role, every service):
 * a fixed, published secret, so it exists only in demo data — never deploy it.
 * `trl_<id part>_<secret>`; the row keeps only the SHA-256 of the secret.
 */
export const DEMO_API_KEY = {
  key: 'trl_demoacmeintegrat_trellisdemokeyforacmehostingonly',
  id: 'key_demoacmeintegrat',
  secret: 'trellisdemokeyforacmehostingonly',
  account: 'acme',
  name: 'Demo integration',
}

type Kind = 'platform' | 'reseller' | 'customer'
type Level = 'owner' | 'admin' | 'user'

interface DemoAccount {
  key: string
  name: string
  kind: Kind
  parent?: string
  /** A reseller's limits (JSON as in domain/limits.ts) and the demo template it came from. */
  limits?: Record<string, unknown>
  template?: string
}

/** Reseller templates of the platform: presets of limits and access for new resellers. */
export const demoTemplates = [
  {
    key: 'standard',
    name: 'Standard partner',
    limits: { max_customers: 25, max_staff: 15, max_admins: null, max_services: { server: 20, hosting: 50 } },
  },
]

type Scope = { mode: 'all' } | { mode: 'none' } | { mode: 'tagged'; tags: string[] } | { mode: 'selected'; services: string[]; groups: string[] }

interface DemoMembership {
  account: string
  level: Level
  /** Built-in role keys, or `custom:<key>` for a demo custom role. */
  roles?: string[]
  scope?: Scope
}

interface DemoUser {
  email: string
  name: string
  memberships: DemoMembership[]
}

export const demoAccounts: DemoAccount[] = [
  { key: 'nimbus', name: 'Nimbus Cloud', kind: 'platform' },
  { key: 'acme', name: 'Acme Hosting', kind: 'reseller', parent: 'nimbus', template: 'standard', limits: demoTemplates[0]!.limits },
  { key: 'globex', name: 'Globex Partners', kind: 'reseller', parent: 'nimbus' },
  { key: 'bluebird', name: 'Bluebird Bakery', kind: 'customer', parent: 'acme' },
  { key: 'copperleaf', name: 'Copperleaf Studio', kind: 'customer', parent: 'acme' },
  { key: 'driftwood', name: 'Driftwood Dental', kind: 'customer', parent: 'acme' },
  { key: 'evergreen', name: 'Evergreen Legal', kind: 'customer', parent: 'globex' },
  { key: 'foxglove', name: 'Foxglove Farms', kind: 'customer', parent: 'globex' },
]

const owner = (account: string): DemoMembership => ({ account, level: 'owner' })

export const demoUsers: DemoUser[] = [
  { email: 'admin@nimbus.test', name: 'Nora Lindqvist', memberships: [owner('nimbus')] },
  { email: 'owner@acme.test', name: 'Alex Moreno', memberships: [owner('acme')] },
  { email: 'sarah@acme.test', name: 'Sarah Chen', memberships: [{ account: 'acme', level: 'admin', roles: ['manager', 'technical', 'custom:customer-care'] }] },
  { email: 'billie@acme.test', name: 'Billie Novak', memberships: [{ account: 'acme', level: 'admin', roles: ['billing'] }] },
  { email: 'tom@acme.test', name: 'Tom Becker', memberships: [{ account: 'acme', level: 'user', roles: ['technical'], scope: { mode: 'tagged', tags: ['managed'] } }] },
  { email: 'owner@globex.test', name: 'Grace Okafor', memberships: [owner('globex')] },
  { email: 'owner@bluebird.test', name: 'Bea Lawson', memberships: [owner('bluebird')] },
  { email: 'owner@copperleaf.test', name: 'Carl Jensen', memberships: [owner('copperleaf')] },
  { email: 'owner@driftwood.test', name: 'Dana Whitfield', memberships: [owner('driftwood')] },
  { email: 'owner@evergreen.test', name: 'Eve Marsh', memberships: [owner('evergreen')] },
  { email: 'owner@foxglove.test', name: 'Finn Gallagher', memberships: [owner('foxglove')] },
  // Enrolled in two-factor sign-in with a fixed TOTP key (demoTotp, printed in the README).
  { email: 'tess@acme.test', name: 'Tess Quinn', memberships: [{ account: 'acme', level: 'user', roles: ['technical'] }] },
  { email: 'gus@globex.test', name: 'Gus Adeyemi', memberships: [{ account: 'globex', level: 'user', roles: ['technical'] }] },
  // One login, two customer accounts under two different resellers.
  {
    email: 'sam@freelance.test',
    name: 'Sam Rivera',
    memberships: [
      { account: 'bluebird', level: 'admin', roles: ['technical'] },
      { account: 'evergreen', level: 'user', roles: ['technical'], scope: { mode: 'selected', services: [], groups: ['evergreen:Websites'] } },
    ],
  },
]

/** Custom roles of demo accounts. */
export const demoRoles = [
  {
    key: 'customer-care',
    account: 'acme',
    name: 'Customer care',
    description: 'Looks after customers: their accounts, services and support questions, and logs in as them to help.',
    permissions: ['customers.view', 'customers.manage', 'customers.invite', 'customers.impersonate', 'services.view', 'activity.view', 'support.view', 'support.contact'],
  },
]

type ServiceType = 'hosting' | 'domain' | 'server' | 'mailbox' | 'dns_zone' | 'broadband'

interface DemoService {
  account: string
  type: ServiceType
  name: string
  /** Days from the seed's generation until expiry; null = no expiry. */
  expiresInDays: number | null
  group?: string
  tags?: string[]
  partnerAccess?: boolean
  status?: 'active' | 'suspended' | 'pending' | 'expired'
}

const site = (account: string, domain: string, opts: { expiring?: number; partner?: boolean; tags?: string[] } = {}): DemoService[] => [
  { account, type: 'domain', name: domain, expiresInDays: opts.expiring ?? 240, group: 'Websites', tags: ['managed'], partnerAccess: opts.partner ?? true },
  { account, type: 'dns_zone', name: domain, expiresInDays: null, group: 'Websites', tags: ['managed'], partnerAccess: opts.partner ?? true },
  { account, type: 'hosting', name: `www.${domain}`, expiresInDays: 300, group: 'Websites', tags: ['managed', ...(opts.tags ?? [])], partnerAccess: opts.partner ?? true },
  { account, type: 'mailbox', name: `hello@${domain}`, expiresInDays: 300, group: 'Email', tags: opts.tags ?? [], partnerAccess: false },
]

export const demoServices: DemoService[] = [
  ...site('bluebird', 'bluebirdbakery.com', { expiring: 12, tags: ['vip'] }),
  { account: 'bluebird', type: 'server', name: 'bluebird-pos-01', expiresInDays: 25, group: 'Production', tags: ['managed', 'vip'], partnerAccess: true },
  { account: 'bluebird', type: 'server', name: 'bluebird-backup-01', expiresInDays: 180, group: 'Production', tags: ['backup'], partnerAccess: false },
  { account: 'bluebird', type: 'broadband', name: 'Bakery HQ fibre', expiresInDays: 90, tags: [], partnerAccess: true },
  ...site('copperleaf', 'copperleaf.studio', { tags: ['eu'] }),
  { account: 'copperleaf', type: 'server', name: 'copperleaf-render-01', expiresInDays: 8, group: 'Production', tags: ['managed', 'gpu'], partnerAccess: true },
  { account: 'copperleaf', type: 'server', name: 'copperleaf-render-02', expiresInDays: 200, group: 'Production', tags: ['gpu'], partnerAccess: false },
  ...site('driftwood', 'driftwooddental.co.uk', { expiring: 28, partner: false }),
  { account: 'driftwood', type: 'broadband', name: 'Surgery broadband', expiresInDays: 150, tags: [], partnerAccess: false, status: 'suspended' },
  ...site('evergreen', 'evergreenlegal.com', { tags: ['vip'] }),
  { account: 'evergreen', type: 'server', name: 'evergreen-files-01', expiresInDays: 19, group: 'Production', tags: ['managed'], partnerAccess: true },
  ...site('foxglove', 'foxglovefarms.org', { expiring: 3 }),
  { account: 'foxglove', type: 'domain', name: 'foxglove.farm', expiresInDays: -5, tags: [], partnerAccess: true, status: 'expired' },
  { account: 'acme', type: 'server', name: 'acme-control-01', expiresInDays: 365, group: 'Infrastructure', tags: ['managed'], partnerAccess: true },
  { account: 'acme', type: 'dns_zone', name: 'acmehosting.example', expiresInDays: null, group: 'Infrastructure', tags: ['managed'], partnerAccess: true },
]

/** Catalogues of service plans: Acme's for its customers, the platform's for its resellers. Prices in cents. */
export const demoPlans = [
  { account: 'acme', name: 'Starter hosting', serviceType: 'hosting', priceMinor: 900, currency: 'EUR', period: 'monthly', active: true },
  { account: 'acme', name: 'Business hosting', serviceType: 'hosting', priceMinor: 2900, currency: 'EUR', period: 'monthly', active: true },
  { account: 'acme', name: 'Cloud server 2 GB', serviceType: 'server', priceMinor: 1500, currency: 'EUR', period: 'monthly', active: true },
  { account: 'acme', name: 'Domain (.com)', serviceType: 'domain', priceMinor: 1400, currency: 'EUR', period: 'yearly', active: true },
  { account: 'acme', name: 'Legacy mailbox', serviceType: 'mailbox', priceMinor: 300, currency: 'EUR', period: 'monthly', active: false },
  { account: 'nimbus', name: 'Partner server pack', serviceType: 'server', priceMinor: 9900, currency: 'EUR', period: 'monthly', active: true },
] as const

/** Orders waiting for a decision. */
export const demoOrders = [{ key: 'bluebird-server', buyer: 'bluebird', seller: 'acme', plan: 'Cloud server 2 GB', serviceName: 'bluebird-web-02', by: 'owner@bluebird.test', daysAgo: 1 }]

/** Accounts with demo invoices (the development billing source reports the same ones). */
export const demoInvoiceAccounts = ['acme', 'bluebird', 'copperleaf', 'driftwood', 'globex']

/** Support tickets customers opened to their reseller, with their messages (who wrote, how long ago). */
export const demoTickets = [
  {
    key: 'bluebird-checkout',
    account: 'bluebird',
    subject: 'Checkout page is slow since this morning',
    priority: 'high',
    status: 'open',
    service: 'bluebird:hosting:www.bluebirdbakery.com',
    messages: [
      { side: 'customer', email: 'owner@bluebird.test', hoursAgo: 3, body: 'Customers tell us the checkout takes ten seconds or more to load since about 8am. Nothing changed on our side. Could you have a look?' },
    ],
  },
  {
    key: 'copperleaf-certificate',
    account: 'copperleaf',
    subject: 'Certificate for copperleaf.studio',
    priority: 'normal',
    status: 'waiting',
    service: 'copperleaf:domain:copperleaf.studio',
    messages: [
      { side: 'customer', email: 'owner@copperleaf.test', hoursAgo: 30, body: 'Our browser warns that the certificate expires next week. Does it renew by itself?' },
      { side: 'staff', email: 'sarah@acme.test', hoursAgo: 26, body: 'Hello Carl, yes: it renews automatically 30 days before expiry. We have triggered the renewal now; please check again tomorrow and tell us if the warning is still there.' },
    ],
  },
] as const

/**
 * Demo logins already enrolled in TOTP, one per reseller: their keys are public (the
 * README prints them) so anyone can add them to an authenticator app. Demo data only.
 */
/** A reseller's data-centre sites, where its customers may ask to visit. */
export const demoSites = [
  { account: 'acme', key: 'ams', name: 'Amsterdam AMS-1', address: 'Science Park 120, 1098 XG Amsterdam, Netherlands' },
  { account: 'acme', key: 'fra', name: 'Frankfurt FRA-2', address: 'Hanauer Landstraße 302, 60314 Frankfurt am Main, Germany' },
]

/** A pending visit request of a customer to its reseller's site, a week ahead. */
export const demoVisits = [
  {
    key: 'bluebird-ams',
    reference: 'V-DEMO1BAK',
    account: 'bluebird',
    parent: 'acme',
    site: 'ams',
    inDays: 7,
    startTime: '09:00',
    endTime: '12:00',
    purpose: 'Replace the disks of bluebird-backup-01 and check the rack cabling.',
    visitors: [
      { name: 'Bea Lawson', idNumber: 'NL-X4821973' },
      { name: 'Ravi Patel', idNumber: 'P-55120987' },
    ],
    requestedBy: 'owner@bluebird.test',
  },
]

export const demoTotp = [
  { email: 'tess@acme.test', key: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' },
  { email: 'gus@globex.test', key: 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU' },
]

/** Seal a TOTP key as crypto/secret-box.ts does (AES-256-GCM, the user id as additional data), with the development key. */
function sealDemoKey(base32: string, userId: string): string {
  const key = createHash('sha256').update(`trellis-secret-box:${DEV_TOTP_ENCRYPTION_KEY}`).digest()
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(userId))
  const sealed = Buffer.concat([cipher.update(decodeBase32IgnorePadding(base32)), cipher.final(), cipher.getAuthTag()])
  return `v1.${iv.toString('base64url')}.${sealed.toString('base64url')}`
}

/** The demo resellers' brands and verified portal hostnames (`*.localhost` resolves to loopback in browsers). */
export const demoBrands = [
  {
    account: 'acme',
    name: 'Acme Hosting',
    primaryColor: '#c2410c',
    accentColor: '#f59e0b',
    supportEmail: 'support@acme.test',
    supportUrl: 'https://help.acme.test/',
    loginMessage: 'Welcome to the Acme Hosting customer portal.',
    defaultLocale: null,
    logo: 'acme.svg',
    hostname: 'acme.localhost',
  },
  {
    account: 'globex',
    name: 'Globex Partners',
    primaryColor: '#6d28d9',
    accentColor: '#10b981',
    supportEmail: 'help@globex.test',
    supportUrl: 'https://globex.test/support',
    loginMessage: 'Bienvenue sur le portail partenaires de Globex.',
    // Globex sells in French: its portal speaks French to anyone who has not chosen a language.
    defaultLocale: 'fr',
    logo: 'globex.svg',
    hostname: 'globex.localhost',
  },
]

/** The R2 object of a demo logo (version 1); scripts/portal.mjs uploads db/seed/logos/<file> there. */
export function demoLogoKey(account: string): string {
  return `logos/${demoId('acc', account)}/1`
}

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

const DAY = 24 * 60 * 60 * 1000

/**
 * The demo data as parameterised statements; `passwordHash` is a PHC string
 * for DEMO_PASSWORD, `now` anchors the services' expiry dates.
 */
export function demoSeed(passwordHash: string, now = Date.now()): SeedStatement[] {
  const paths = new Map<string, string>()
  const statements: SeedStatement[] = []
  const push = (sql: string, ...params: SeedStatement['params']) => statements.push({ sql, params })
  for (const a of demoAccounts) {
    const id = demoId('acc', a.key)
    const path = `${a.parent ? paths.get(a.parent)! : '/'}${id}/`
    paths.set(a.key, path)
    push(
      'INSERT OR IGNORE INTO accounts (id, parent_id, kind, name, status, path, limits, template_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      id, a.parent ? demoId('acc', a.parent) : null, a.kind, a.name, 'active', path,
      a.limits ? JSON.stringify(a.limits) : null, a.template ? demoId('tpl', a.template) : null,
    )
  }
  for (const t of demoTemplates) {
    push('INSERT OR IGNORE INTO reseller_templates (id, account_id, name, limits) VALUES (?, ?, ?, ?)', demoId('tpl', t.key), demoId('acc', 'nimbus'), t.name, JSON.stringify(t.limits))
  }
  for (const r of demoRoles) {
    push(
      'INSERT OR IGNORE INTO roles (id, account_id, name, description, permissions) VALUES (?, ?, ?, ?, ?)',
      demoId('rol', `${r.account}:${r.key}`), demoId('acc', r.account), r.name, r.description, JSON.stringify(r.permissions),
    )
  }
  const groupId = (account: string, name: string) => demoId('grp', `${account}:${name}`)
  const groups = [...new Set(demoServices.filter((x) => x.group).map((x) => `${x.account}:${x.group}`))]
  for (const [account, name] of groups.map((k) => k.split(':') as [string, string])) {
    push('INSERT OR IGNORE INTO service_groups (id, account_id, name) VALUES (?, ?, ?)', groupId(account, name), demoId('acc', account), name)
  }
  for (const x of demoServices) {
    const id = demoId('svc', `${x.account}:${x.type}:${x.name}`)
    push(
      'INSERT OR IGNORE INTO services (id, account_id, type, name, status, expires_at, group_id, partner_access) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      id, demoId('acc', x.account), x.type, x.name, x.status ?? 'active',
      x.expiresInDays === null ? null : now + x.expiresInDays * DAY, x.group ? groupId(x.account, x.group) : null, x.partnerAccess ? 1 : 0,
    )
    for (const tag of x.tags ?? []) push('INSERT OR IGNORE INTO service_tags (service_id, tag) VALUES (?, ?)', id, tag)
  }
  for (const u of demoUsers) {
    const userId = demoId('usr', u.email)
    push('INSERT OR IGNORE INTO users (id, email, name, password_hash, email_verified_at) VALUES (?, ?, ?, ?, ?)', userId, u.email, u.name, passwordHash, now)
    for (const m of u.memberships) {
      const membershipId = demoId('mem', `${u.email}:${m.account}`)
      const scope = m.scope?.mode === 'selected'
        ? { ...m.scope, groups: m.scope.groups.map((g) => { const [acc, name] = g.split(':') as [string, string]; return groupId(acc, name) }) }
        : (m.scope ?? { mode: 'all' })
      push('INSERT OR IGNORE INTO memberships (id, user_id, account_id, level, scope) VALUES (?, ?, ?, ?, ?)', membershipId, userId, demoId('acc', m.account), m.level, JSON.stringify(scope))
      for (const role of m.roles ?? []) {
        const roleId = role.startsWith('custom:') ? demoId('rol', `${m.account}:${role.slice(7)}`) : role
        push('INSERT OR IGNORE INTO membership_roles (membership_id, role_id) VALUES (?, ?)', membershipId, roleId)
      }
    }
  }
  push(
    "INSERT OR IGNORE INTO api_keys (id, account_id, name, secret_hash, level, role_ids, scope, created_by_id, created_by_email, created_at) VALUES (?, ?, ?, ?, 'admin', '[\"technical\"]', '{\"mode\":\"all\"}', ?, ?, ?)",
    DEMO_API_KEY.id, demoId('acc', DEMO_API_KEY.account), DEMO_API_KEY.name, createHash('sha256').update(DEMO_API_KEY.secret).digest('hex'),
    demoId('usr', 'owner@acme.test'), 'owner@acme.test', now,
  )
  for (const site of demoSites) {
    push('INSERT OR IGNORE INTO sites (id, account_id, name, address, created_at) VALUES (?, ?, ?, ?, ?)', demoId('sit', `${site.account}:${site.key}`), demoId('acc', site.account), site.name, site.address, now)
  }
  for (const v of demoVisits) {
    const site = demoSites.find((x) => x.key === v.site)!
    push(
      'INSERT OR IGNORE INTO visit_requests (id, reference, account_id, parent_id, site_id, site_name, site_address, visit_date, start_time, end_time, purpose, visitors, status, requested_by_id, requested_by_email, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      demoId('vis', v.key), v.reference, demoId('acc', v.account), demoId('acc', v.parent), demoId('sit', `${site.account}:${site.key}`), site.name, site.address,
      new Date(now + v.inDays * DAY).toISOString().slice(0, 10), v.startTime, v.endTime, v.purpose, JSON.stringify(v.visitors), 'pending',
      demoId('usr', v.requestedBy), v.requestedBy, now,
    )
  }
  const names = new Map(demoUsers.map((u) => [u.email, u.name]))
  for (const t of demoTickets) {
    const id = demoId('tkt', t.key)
    const times = t.messages.map((m) => now - m.hoursAgo * 60 * 60 * 1000)
    const parent = demoAccounts.find((a) => a.key === t.account)!.parent!
    push(
      'INSERT OR IGNORE INTO tickets (id, account_id, parent_id, subject, priority, status, service_id, opened_by_id, opened_by_email, messages, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      id, demoId('acc', t.account), demoId('acc', parent), t.subject, t.priority, t.status, demoId('svc', t.service),
      demoId('usr', t.messages[0].email), t.messages[0].email, t.messages.length, times[0]!, times.at(-1)!,
    )
    t.messages.forEach((m, i) => {
      push(
        'INSERT OR IGNORE INTO ticket_messages (id, ticket_id, side, author_id, author_name, author_email, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        demoId('msg', `${t.key}:${i}`), id, m.side, demoId('usr', m.email), names.get(m.email) ?? m.email, m.email, m.body, times[i]!,
      )
    })
  }
  for (const t of demoTotp) {
    const userId = demoId('usr', t.email)
    push('INSERT OR IGNORE INTO totp_factors (user_id, secret, last_used_step, enabled_at) VALUES (?, ?, NULL, ?)', userId, sealDemoKey(t.key, userId), now)
  }
  for (const b of demoBrands) {
    push(
      'INSERT OR IGNORE INTO brands (account_id, name, logo_key, logo_content_type, logo_version, primary_color, accent_color, support_email, support_url, login_message, default_locale) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      demoId('acc', b.account), b.name, demoLogoKey(b.account), 'image/svg+xml', 1, b.primaryColor, b.accentColor, b.supportEmail, b.supportUrl, b.loginMessage, b.defaultLocale,
    )
    push(
      "INSERT OR IGNORE INTO hostnames (id, hostname, reseller_account_id, status, verification_token, verified_at) VALUES (?, ?, ?, 'verified', ?, ?)",
      demoId('hst', b.hostname), b.hostname, demoId('acc', b.account), `trellis-verify=demo-${b.account}`, now,
    )
  }
  const planId = (account: string, name: string) => demoId('pln', `${account}:${name}`)
  for (const p of demoPlans) {
    push(
      'INSERT OR IGNORE INTO plans (id, account_id, name, service_type, price_minor, currency, period, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      planId(p.account, p.name), demoId('acc', p.account), p.name, p.serviceType, p.priceMinor, p.currency, p.period, p.active ? 1 : 0, now, now,
    )
  }
  for (const o of demoOrders) {
    const plan = demoPlans.find((p) => p.account === o.seller && p.name === o.plan)!
    push(
      "INSERT OR IGNORE INTO orders (id, buyer_account_id, seller_account_id, plan_id, plan_name, service_type, price_minor, currency, period, service_name, status, ordered_by_id, ordered_by_email, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
      demoId('ord', o.key), demoId('acc', o.buyer), demoId('acc', o.seller), planId(o.seller, o.plan), plan.name, plan.serviceType, plan.priceMinor, plan.currency, plan.period,
      o.serviceName, demoId('usr', o.by), o.by, now - o.daysAgo * DAY,
    )
  }
  for (const key of demoInvoiceAccounts) {
    const accountId = demoId('acc', key)
    for (const i of demoInvoices(accountId, now)) {
      push(
        'INSERT OR IGNORE INTO invoices (id, account_id, external_id, number, issued_at, due_at, amount_minor, currency, status, pdf_url, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        demoId('inv', i.externalId), accountId, i.externalId, i.number, i.issuedAt, i.dueAt, i.amountMinor, i.currency, i.status, i.pdfUrl, now,
      )
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
