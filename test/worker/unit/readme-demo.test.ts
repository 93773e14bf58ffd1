import { describe, expect, it } from 'vitest'
import readme from '../../../README.md?raw'
import { DEMO_API_KEY, demoAccounts, demoTotp } from '../../../db/seed/demo.ts'

// The README is how a newcomer tries two-factor sign-in and the API: what it prints must be what the demo data holds.
describe('the README’s demo credentials', () => {
  it('prints the TOTP key of one enrolled member per reseller, as seeded', () => {
    const resellers = demoAccounts.filter((a) => a.kind === 'reseller')
    expect(demoTotp).toHaveLength(resellers.length)
    for (const { email, key } of demoTotp) expect(readme).toMatch(new RegExp(`\\| ${email.replace('.', '\\.')} \\| \`${key}\` \\|`))
  })

  it('prints the seeded demo API key', () => {
    expect(readme).toContain(`Authorization: Bearer ${DEMO_API_KEY.key}`)
  })
})
