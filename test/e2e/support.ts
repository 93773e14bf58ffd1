// Shared helpers of the browser tests: one Chromium per test file, a fresh
// context per story, signing in through the real login page, screenshots.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { afterEach } from 'node:test'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'

export const BASE_URL = process.env.E2E_BASE_URL ?? 'http://localhost:8788'
export const PASSWORD = 'trellis-demo'
export const ARTIFACTS = path.join(import.meta.dirname, 'artifacts')

/** Upper bound for one user story, so a stuck page fails the test instead of hanging the run. */
export const STORY_TIMEOUT = 60_000
/** Upper bound for one wait on the page (an element, a navigation). */
const STEP_TIMEOUT = 15_000

mkdirSync(ARTIFACTS, { recursive: true })

/** Headless Debian Chromium (never a downloaded browser). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** A new browser context (own cookies) on the portal, with bounded waits. */
export async function openPage(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width: 1280, height: 800 }, ...options })
  context.setDefaultTimeout(STEP_TIMEOUT)
  context.setDefaultNavigationTimeout(STEP_TIMEOUT * 2)
  context.on('page', watchConsole)
  const page = await context.newPage()
  return { context, page }
}

/** What watched pages logged as errors since the last story ended. */
const consoleErrors: string[] = []

/**
 * Collect the page's console errors and uncaught exceptions; every story then
 * fails if there were any (the afterEach below). A document answering 4xx on
 * purpose (a not-found page) is not an error of the page.
 */
export function watchConsole(page: Page) {
  const documents = new Set<string>()
  page.on('response', (response) => {
    if (response.request().resourceType() === 'document') documents.add(response.url())
  })
  page.on('console', (message) => {
    // Form controls given a value they cannot show (an empty colour input) only warn; they count too.
    if (message.type() === 'warning' && message.text().includes('does not conform to the required format')) {
      consoleErrors.push(`${page.url()}: ${message.text()}`)
      return
    }
    if (message.type() !== 'error') return
    if (message.text().startsWith('Failed to load resource') && documents.has(message.location().url)) return
    consoleErrors.push(`${page.url()}: ${message.text()}${message.location().url ? ` (${message.location().url})` : ''}`)
  })
  page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: uncaught ${error.message}`))
}

// Every story of every file: no console errors.
afterEach(() => {
  const errors = consoleErrors.splice(0)
  if (errors.length) throw new Error(`the browser console logged ${errors.length} error(s):\n${errors.join('\n')}`)
})

/** Fill in and submit the login form, as a person would. Does not wait for the outcome. */
export async function submitLogin(page: Page, email: string, password: string) {
  if (!new URL(page.url()).pathname.startsWith('/login')) await page.goto('/login')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

/** Sign in through the login page and wait for the account's dashboard. */
export async function signIn(page: Page, email: string, password = PASSWORD) {
  await submitLogin(page, email, password)
  await page.waitForURL(/\/a\/[^/]+$/)
}

/** The signed-in user's accounts as the API lists them (with the page's cookies). */
export async function myAccounts(page: Page): Promise<{ id: string; name: string }[]> {
  const response = await page.request.get('/api/v1/me')
  if (!response.ok()) throw new Error(`GET /api/v1/me answered ${response.status()}`)
  const body: unknown = await response.json()
  if (!body || typeof body !== 'object' || !('accounts' in body) || !Array.isArray(body.accounts)) {
    throw new Error('GET /api/v1/me answered without accounts')
  }
  return body.accounts.map((a: { id: unknown; name: unknown }) => ({ id: String(a.id), name: String(a.name) }))
}

/** Wait until the page is interactive: the app has hydrated and its controls respond. */
export async function hydrated(page: Page) {
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' })
}

/** Open an address of the portal and wait until the page is interactive. */
export async function visit(page: Page, url: string) {
  const response = await page.goto(url)
  await hydrated(page)
  return response
}

/** The path of the page's current URL. */
export function pathOf(page: Page): string {
  return new URL(page.url()).pathname
}

/** Save a full-page screenshot to test/e2e/artifacts/<name>.png (look at it). */
export async function screenshot(page: Page, name: string) {
  // From the top: fixed and sticky parts (header, sidebar) are drawn where the page is scrolled to.
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true, animations: 'disabled' })
}

/** The id of one of the signed-in user's accounts, by name. */
export async function accountId(page: Page, name: string): Promise<string> {
  const account = (await myAccounts(page)).find((a) => a.name === name)
  if (!account) throw new Error(`the signed-in user has no account named ${name}`)
  return account.id
}

/** The labels of the sidebar menu, in order. */
export async function menuLabels(page: Page): Promise<string[]> {
  const menu = page.getByRole('navigation', { name: 'Main' })
  return (await menu.getByRole('link').allInnerTexts()).map((t) => t.trim())
}

/**
 * Open the newest outbox message to `email` on /dev/outbox and follow its
 * link named `linkName` (the email's button opens a new tab); returns that tab,
 * interactive.
 */
export async function followEmailLink(context: BrowserContext, page: Page, email: string, linkName: RegExp): Promise<Page> {
  await visit(page, '/dev/outbox')
  const message = page.locator(`details[data-message-to="${email}"]`).first()
  await message.waitFor()
  // Only the newest message is open at first.
  if (!(await message.evaluate((details) => (details as HTMLDetailsElement).open))) await message.locator('summary').click()
  const link = message.frameLocator('iframe').getByRole('link', { name: linkName })
  const [opened] = await Promise.all([context.waitForEvent('page'), link.click()])
  await opened.waitForLoadState()
  await hydrated(opened)
  return opened
}

/** On an invitation page opened signed out by someone new: create their login and join; waits for the account's dashboard. */
export async function acceptAsNewPerson(invite: Page, name: string, password: string) {
  await invite.getByLabel('Your name').fill(name)
  await invite.getByLabel('Choose a password').fill(password)
  await invite.getByRole('button', { name: 'Create login and join' }).click()
  await invite.waitForURL(/\/a\/[^/]+$/)
  await hydrated(invite)
}

/** Horizontal overflow of the page in CSS pixels (0 when nothing is wider than the screen). */
export function pageOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
}
