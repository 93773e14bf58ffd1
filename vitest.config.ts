import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { DEMO_PASSWORD, demoSeed } from './db/seed/demo.ts'
import { hashPassword } from './worker/src/crypto/password.ts'
import { DEV_TOTP_ENCRYPTION_KEY } from './worker/src/crypto/totp.ts'
import { startCloudflareApi } from './test/helpers/cloudflare-api.ts'
import { startDohServer } from './test/helpers/doh-server.ts'
import { startResendApi } from './test/helpers/resend-api.ts'
import { startHookReceiver } from './test/helpers/hook-receiver.ts'
import { startBillingApi } from './test/helpers/billing-api.ts'
import { startProvisioningApi } from './test/helpers/provisioning-api.ts'
import { contractTypes } from './scripts/contract-types.mjs'
import { compileMessages } from './scripts/i18n.mjs'

/** Cheap Argon2id for tests; one test exercises the production (OWASP) setting. */
const TEST_ARGON2 = { m: 64, t: 1, p: 1 }

// test/worker/unit/web-hooks.test.ts imports the web worker's hook; web/tsconfig.json extends
// the one `svelte-kit sync` writes, which a fresh clone does not have yet.
const web = path.join(import.meta.dirname, 'web')
if (!existsSync(path.join(web, '.svelte-kit', 'tsconfig.json'))) {
  execFileSync(path.join(import.meta.dirname, 'node_modules', '.bin', 'svelte-kit'), ['sync'], { cwd: web, stdio: 'inherit' })
}

export default defineConfig(async () => {
  // The API's problem titles and emails in English and French (generated, not committed).
  await compileMessages()
  // The tests' API client is typed by the web app's contract types (generated, not committed).
  contractTypes()
  // The worker's real DNS adapter asks this local DNS-over-HTTPS server (RFC 8484), which tests fill.
  const doh = await startDohServer()
  // …and Cloudflare for SaaS is this local stand-in of the Custom Hostnames API.
  const cloudflare = await startCloudflareApi()
  // …and the email provider is a stand-in of Resend's API, which tests opt into (mail stays in the outbox otherwise).
  const resend = await startResendApi()
  // …and webhooks and log streams are delivered to this local receiver, which records what arrives.
  const receiver = await startHookReceiver()
  // …and the operator's billing system is a stand-in speaking the billing adapter's protocol, which tests fill.
  const billing = await startBillingApi()
  // …and server actions go to this stand-in of the operator's provisioning backend, which checks signatures.
  const provisioning = await startProvisioningApi()
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: await readD1Migrations(path.join(import.meta.dirname, 'db/migrations')),
            TEST_SEED: demoSeed(hashPassword(DEMO_PASSWORD, TEST_ARGON2)),
            ARGON2_MEMORY_KIB: String(TEST_ARGON2.m),
            ARGON2_ITERATIONS: String(TEST_ARGON2.t),
            // As in production: no dev tools and https-only cookies, whatever a local .dev.vars says.
            DEV_TOOLS: 'false',
            HTTPS_ONLY: 'true',
            // The demo data's TOTP keys are sealed with the development key (db/seed/demo.ts).
            TOTP_ENCRYPTION_KEY: DEV_TOTP_ENCRYPTION_KEY,
            DNS_RESOLVER_URL: doh.url,
            SAAS_API_BASE: cloudflare.base,
            SAAS_API_TOKEN: cloudflare.token,
            SAAS_ZONE_ID: cloudflare.zoneId,
            SAAS_CNAME_TARGET: 'portals.trellis.test',
            TEST_RESEND_BASE: resend.base,
            TEST_RESEND_KEY: resend.apiKey,
            HOOK_RECEIVER_URL: receiver.url,
            BILLING_API_URL: billing.url,
            BILLING_API_TOKEN: billing.token,
            WEBHOOK_SIGNING_KEY: 'test-signing-key-0123456789abcdef',
            // Only here and in .dev.vars: the receiver is on 127.0.0.1 over http.
            WEBHOOKS_ALLOW_LOCAL: 'true',
            PROVISIONING_URL: provisioning.url,
            PROVISIONING_SECRET: provisioning.secret,
            PROVISIONING_CONTROL: provisioning.base,
            // Short, so the timeout case does not hold a test for long.
            PROVISIONING_TIMEOUT_MS: '1500',
          },
          r2Buckets: ['BRANDING'],
        },
      }),
    ],
    // The web app's own alias, for the tests that run its server hook and language rules.
    resolve: { alias: { $lib: path.join(import.meta.dirname, 'web/src/lib') } },
    test: {
      include: ['test/worker/**/*.test.ts'],
      setupFiles: ['./test/helpers/apply-migrations.ts'],
      // Correctness, not speed, is tested here (speed lives in bench/): CI's two cores may be busy
      // with other builds, so a test that does real work gets a minute before it counts as hung.
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  }
})
