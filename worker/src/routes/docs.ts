import type { OpenAPIHono } from '@hono/zod-openapi'
import { Hono } from 'hono'
import type { AppEnv } from '../env.ts'

const config = {
  openapi: '3.1.0',
  info: {
    title: 'Trellis API',
    version: '1',
    contact: { name: 'Trellis', url: 'https://github.com/trellis-portal/trellis' },
    description:
      'The API behind the Trellis partner portal. JSON in and out; errors are application/problem+json (RFC 9457) with a stable `code`. Authenticated by the session cookie (state-changing requests must come from the portal origin) or by an account\'s API key sent as `Authorization: Bearer trl_…`.',
  },
  security: [{ session: [] as string[] }, { apiKey: [] as string[] }] as Record<string, string[]>[],
  // Relative: the document describes the portal it was served from (each reseller's hostname included).
  servers: [{ url: '/', description: 'This portal' }],
  tags: [
    { name: 'Auth', description: 'Signing in and out with the session cookie.' },
    { name: 'Accounts', description: 'The account tree (platform → reseller → customer), its menu and usage.' },
    { name: 'Staff', description: 'The people of an account: levels, roles, scopes and notification settings.' },
    { name: 'Roles', description: 'Built-in and custom roles, and the permission catalogue they are drawn from.' },
    { name: 'Services', description: 'Hosting, domains, servers and other services, with scopes and customer consent.' },
    { name: 'Activity', description: 'The tamper-evident activity log of an account and its tree: search, export, live stream.' },
    { name: 'Resellers', description: 'The platform’s resellers: creation from templates, limits, access and lifecycle.' },
    { name: 'Customers', description: 'A reseller’s customer organisations and their lifecycle.' },
    { name: 'Invitations', description: 'Single-use invitations to join an account or to become a customer.' },
    { name: 'Impersonation', description: 'Acting as a member below you, for support, for at most 60 minutes.' },
    { name: 'Branding', description: 'A reseller’s brand (name, colours, logo) and its verified hostnames.' },
    { name: 'Me', description: 'The signed-in person: profile, password, access log.' },
    { name: 'Sessions', description: 'Where a login is signed in; signing sessions out (one\'s own, or members\' below one).' },
    { name: 'API keys', description: 'An account\'s keys for integrations: created with a member\'s kind of grant, shown once, revocable.' },
    { name: 'Two-factor', description: 'Your second factors: authenticator app (TOTP), recovery codes, passkeys, trusted locations.' },
    { name: 'Security', description: 'An account’s sign-in security policy and its members’ second factors.' },
    { name: 'Visitation', description: 'Data-centre sites of a parent account, and its customers’ visit requests: approved or declined, with a printable confirmation.' },
    { name: 'Transfers', description: 'Moving a service between two customers of the same parent, confirmed by both customers’ owners.' },
    { name: 'Backups', description: 'Versioned archives of an account subtree: download (streamed) and all-or-nothing restore.' },
    { name: 'Billing', description: 'Invoices synced from the operator’s billing system, and services expiring or expired.' },
    { name: 'Purchasing', description: 'A parent’s catalogue of service plans, and orders approved into services.' },
    { name: 'Support', description: 'Support tickets an account opens to its parent, and the parent’s queue of its customers’ tickets.' },
    { name: 'Ownership', description: 'An owner handing the account to one of its admins: offered with the password, accepted by that admin.' },
    { name: 'Notifications', description: 'Each person’s in-app inbox and their own choice of event emails.' },
    { name: 'Sign-up', description: 'Self sign-up on a portal that opened it: the emailed link creates the login and the customer organisation, pending the parent’s approval or at once.' },
    { name: 'Email domains', description: 'A customer’s verified email domains: people at them join it (as users, or held for an admin’s approval).' },
    { name: 'System', description: 'Health of the service.' },
  ],
}

const escape = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!)

type Operation = { summary?: string; description?: string; tags?: string[]; parameters?: { name: string; in: string }[]; responses?: Record<string, { description?: string }> }

/** A self-contained HTML reference rendered from the OpenAPI document (no CDN assets). */
function renderReference(doc: { paths?: Record<string, Record<string, Operation>> }) {
  const rows = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const params = (op.parameters ?? []).map((p) => `<code>${escape(p.name)}</code> <small>(${escape(p.in)})</small>`).join(', ')
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => `<li><code>${escape(status)}</code> ${escape(r.description)}</li>`)
        .join('')
      return `<section><h2><span class="m ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h2>
<p><strong>${escape(op.summary)}</strong></p>${op.description ? `<p>${escape(op.description)}</p>` : ''}
${params ? `<p>Parameters: ${params}</p>` : ''}<ul>${responses}</ul></section>`
    }),
  )
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(config.info.title)} reference</title><style>
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:860px;margin:0 auto;padding:32px 16px;color:#0f172a}
h1{font-size:24px;margin:0 0 8px}h2{font-size:16px;margin:0 0 4px}section{border:1px solid #e2e8f0;border-radius:8px;padding:16px;margin:12px 0}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace}.m{display:inline-block;min-width:56px;font-size:12px;font-weight:600;padding:2px 6px;border-radius:4px;background:#e2e8f0}
.get{background:#dbeafe}.post{background:#dcfce7}.patch,.put{background:#fef3c7}.delete{background:#fee2e2}ul{margin:8px 0 0;padding-left:20px}
</style></head><body><h1>${escape(config.info.title)}</h1><p>${escape(config.info.description)}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a></p>
<section id="api-keys"><h2>Calling the API with a key</h2>
<p>An owner or admin with <code>security.manage</code> creates a key under Security → API keys (or <code>POST /api/v1/accounts/{id}/api-keys</code>), choosing its level, roles and scope like a member’s. The key is shown once; send it as a Bearer token:</p>
<pre><code>curl -H "Authorization: Bearer trl_…" https://portal.example.com/api/v1/accounts/acc_…/services
curl -X POST -H "Authorization: Bearer trl_…" -H "content-type: application/json" \\
  -d '{"name":"web-01","type":"server"}' https://portal.example.com/api/v1/accounts/acc_…/services</code></pre>
<p>The key acts in its account and the accounts below it, through the same checks as a person; the activity log names it as the actor. Cookies are ignored and no Origin is needed on these requests. An unknown, revoked or expired key answers 401 <code>api_key_invalid</code>; a person’s own routes (profile, sessions, impersonation, creating keys) answer 403 <code>api_key_forbidden</code>.</p></section>
${rows.join('\n')}</body></html>`
}

/** `/api/openapi.json` and `/api/docs`, generated from the routes' own schemas. */
export function docs(api: OpenAPIHono<AppEnv>) {
  const document = () => api.getOpenAPI31Document(config)
  return new Hono<AppEnv>()
    .get('/openapi.json', (c) => c.json(document()))
    .get('/docs', (c) => {
      c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      return c.html(renderReference(document() as Parameters<typeof renderReference>[0]))
    })
}
