import { describe, expect, it } from 'vitest'
import { accountId, api, jsonOf, login } from '../../helpers/client.ts'

// Rule 2: the menu and the API answer from the same catalogue entry. For every demo
// person and every account they can reach, a section is in the menu exactly when its
// list endpoint answers 200 (and 403 when it is not).
const listEndpoint: Record<string, (id: string) => string> = {
  services: (id) => `/accounts/${id}/services`,
  staff: (id) => `/accounts/${id}/members`,
  roles: (id) => `/accounts/${id}/roles`,
  customers: (id) => `/accounts/${id}/children`,
  security: (id) => `/accounts/${id}/security`,
  settings: (id) => `/accounts/${id}/settings`,
  backups: (id) => `/accounts/${id}/backups/preview`,
}

const people: [string, string[]][] = [
  ['owner@acme.test', ['Acme Hosting', 'Bluebird Bakery']],
  ['sarah@acme.test', ['Acme Hosting', 'Bluebird Bakery', 'Driftwood Dental']],
  ['billie@acme.test', ['Acme Hosting', 'Bluebird Bakery']],
  ['tom@acme.test', ['Acme Hosting', 'Copperleaf Studio']],
  ['owner@bluebird.test', ['Bluebird Bakery']],
  ['sam@freelance.test', ['Bluebird Bakery', 'Evergreen Legal']],
  ['admin@nimbus.test', ['Nimbus Cloud', 'Globex Partners', 'Foxglove Farms']],
]

describe('the menu and the API agree (rule 2)', () => {
  for (const [email, accounts] of people) {
    it(`for ${email}`, async () => {
      const cookie = await login(email)
      for (const name of accounts) {
        const id = await accountId(name)
        const menu = await jsonOf(await api(`/accounts/${id}/menu`, { cookie }), 'getAccountMenu')
        const shown = new Set(menu.items.map((i) => i.key))
        for (const [section, path] of Object.entries(listEndpoint)) {
          const kind = (await jsonOf(await api(`/accounts/${id}`, { cookie }), 'getAccount')).account.kind
          if (section === 'customers' && kind !== 'reseller') continue
          // The platform itself is never backed up: its preview needs a root below it (covered in backups.test.ts).
          if (section === 'backups' && kind === 'platform') continue
          const status = (await api(path(id), { cookie })).status
          expect(status, `${email} · ${name} · ${section} (menu ${shown.has(section) ? 'shows' : 'hides'} it)`).toBe(shown.has(section) ? 200 : 403)
        }
      }
    })
  }
})
