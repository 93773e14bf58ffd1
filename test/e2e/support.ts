/**
 * Browser stories: one user story is one `story()`, read top to bottom.
 *
 *   import assert from 'node:assert/strict'
 *   import { describe } from 'node:test'
 *   import { screenshot, signIn, story, STORY_TIMEOUT } from './support.ts'
 *
 *   describe('The Roles page', () => {
 *     story('lets the owner of Acme create a role', async ({ open }) => {
 *       const { page } = await open()                  // a fresh browser context (own cookies) and a page
 *       await signIn(page, 'owner@acme.test')
 *       await screenshot(page, 'roles')                // a named step: test/e2e/artifacts/roles.png
 *       const sarah = await open({ viewport: { width: 375, height: 812 } })   // someone else, elsewhere
 *       …
 *     })
 *     story('a longer one', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => { … })
 *   })
 *
 * What `story()` does, so stories do not:
 * - one headless Debian Chromium per test file, launched at the first `open()`, closed after the
 *   file's last story;
 * - every context the story opened is closed when it ends, passed or failed (close one earlier only
 *   when that is part of the story: someone leaves, a browser is thrown away);
 * - the story fails after STORY_TIMEOUT (or its own `timeout`), each wait on a page after STEP_TIMEOUT;
 * - when it fails, every page still open is saved to test/e2e/artifacts/failed/<story>-<n>.png first.
 *
 * The other exports are the steps a person takes (`signIn`, `visit`, `followEmailLink`…) and what
 * stories check often (`menuLabels`, `pageOverflow`…).
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { after, it } from 'node:test'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'

export const BASE_URL = process.env.E2E_BASE_URL ?? 'http://localhost:8788'
export const PASSWORD = 'trellis-demo'
const ARTIFACTS = path.join(import.meta.dirname, 'artifacts')
const FAILED = path.join(ARTIFACTS, 'failed')

/** Upper bound for one user story, so a stuck page fails the test instead of hanging the run. */
export const STORY_TIMEOUT = 60_000
/** Upper bound for one wait on the page (an element, a navigation). */
const STEP_TIMEOUT = 15_000
/** Upper bound for the failure screenshots and closing the contexts after a story. */
const TEARDOWN_TIMEOUT = 20_000

mkdirSync(FAILED, { recursive: true })

/** What a story's body is given. */
export interface Story {
  /** A new browser context (own cookies; 1280×800 on the portal unless `options` say otherwise) and a page in it. */
  open(options?: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page }>
}

type StoryBody = (story: Story) => Promise<void>

/** One user story: a test with its own browser contexts, a time limit, failure screenshots and teardown. */
export function story(name: string, body: StoryBody): void
export function story(name: string, options: { timeout?: number }, body: StoryBody): void
export function story(name: string, optionsOrBody: { timeout?: number } | StoryBody, maybeBody?: StoryBody): void {
  const [options, body] = typeof optionsOrBody === 'function' ? [{}, optionsOrBody] : [optionsOrBody, maybeBody!]
  const timeout = options.timeout ?? STORY_TIMEOUT
  it(name, { timeout: timeout + 2 * TEARDOWN_TIMEOUT }, async (t) => {
    const contexts: BrowserContext[] = []
    const open: Story['open'] = async (contextOptions = {}) => {
      const context = await newContext(await sharedBrowser(), contextOptions)
      contexts.push(context)
      return { context, page: await context.newPage() }
    }
    let timer: NodeJS.Timeout | undefined
    const outOfTime = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the story did not finish within ${timeout / 1000} s`)), timeout)
    })
    consoleErrors.splice(0)
    try {
      // The race ends a stuck story on time; closing its contexts below ends whatever it still waits for.
      await Promise.race([body({ open }), outOfTime])
      // Every story: no console errors on any page it opened.
      const errors = consoleErrors.splice(0)
      if (errors.length) throw new Error(`the browser console logged ${errors.length} error(s):\n${errors.join('\n')}`)
    } catch (error) {
      for (const shot of await failureScreenshots(name, contexts)) t.diagnostic(`screenshot: ${path.relative(process.cwd(), shot)}`)
      throw error
    } finally {
      clearTimeout(timer)
      await bounded(Promise.allSettled(contexts.map((context) => context.close())))
    }
  })
}

let browser: Promise<Browser> | undefined
/** The file's Chromium, launched on first use. */
function sharedBrowser(): Promise<Browser> {
  browser ??= launchBrowser()
  return browser
}
// At the top level of node:test, `after` runs once the file's last test has finished.
after(async () => {
  if (browser) await bounded(browser.then((b) => b.close()))
})

/** Headless Debian Chromium (never a downloaded browser). */
function launchBrowser(): Promise<Browser> {
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
async function newContext(browser: Browser, options: BrowserContextOptions): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width: 1280, height: 800 }, ...options })
  context.setDefaultTimeout(STEP_TIMEOUT)
  context.setDefaultNavigationTimeout(STEP_TIMEOUT * 2)
  context.on('page', watchConsole)
  return context
}

/** Save every open page of a failed story; returns the files written (a page that cannot be drawn is skipped). */
async function failureScreenshots(name: string, contexts: BrowserContext[]): Promise<string[]> {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80)
  const pages = contexts.flatMap((context) => context.pages()).filter((page) => !page.isClosed())
  const written = await Promise.all(
    pages.map(async (page, i) => {
      const file = path.join(FAILED, `${slug}-${i + 1}.png`)
      return page.screenshot({ path: file, fullPage: true, timeout: 5_000 }).then(
        () => file,
        () => null,
      )
    }),
  )
  return written.filter((file) => file !== null)
}

/** Wait for teardown work at most TEARDOWN_TIMEOUT, so a hung browser cannot hold the run. */
function bounded(work: Promise<unknown>): Promise<unknown> {
  return Promise.race([work, new Promise((resolve) => setTimeout(resolve, TEARDOWN_TIMEOUT).unref())])
}

/** What watched pages logged as errors since the last story ended. */
const consoleErrors: string[] = []

/**
 * Collect the page's console errors and uncaught exceptions (every page of
 * every story's contexts); the story then fails if there were any. A document answering 4xx on
 * purpose (a not-found page) is not an error of the page.
 */
function watchConsole(page: Page) {
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


/** Fill in and submit the login form, as a person would. Does not wait for the outcome. */
export async function submitLogin(page: Page, email: string, password: string) {
  if (!new URL(page.url()).pathname.startsWith('/login')) await page.goto('/login')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
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

/**
 * Forget the browser's session once the page is quiet and left: a page's own
 * requests (the page-view beacon after a navigation, the live socket
 * reconnecting) would otherwise meet the cleared cookie and log a 401 to the
 * console. Callers go on to another page (usually /login).
 */
export async function forgetSession(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle')
  await page.goto('about:blank')
  await page.context().clearCookies()
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

/** An API key made for one story (a Technical user reaching no services), so the demo's own rows stay as they are. Its id. */
export async function storyApiKey(page: Page, accountId: string, name: string): Promise<string> {
  const made = await page.request.post(`/api/v1/accounts/${accountId}/api-keys`, {
    headers: { origin: BASE_URL },
    data: { name, level: 'user', roles: ['technical'], scope: { mode: 'none' } },
  })
  if (made.status() !== 201) throw new Error(`POST api-keys answered ${made.status()}`)
  return ((await made.json()) as { apiKey: { id: string } }).apiKey.id
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
  // Open the link's address in a new tab, as a person's click on it does. Reading the address instead of
  // waiting for the click's popup keeps a message that arrives meanwhile (a notice sent by the same
  // step) from re-laying the outbox under the click.
  const href = await message.frameLocator('iframe').getByRole('link', { name: linkName }).first().getAttribute('href')
  if (!href) throw new Error(`the newest email to ${email} has no link named ${linkName}`)
  const opened = await context.newPage()
  await opened.goto(href)
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

/**
 * English words that belong to the portal's own wording, never to the demo data (names of
 * people, accounts, services and roles): one of them in a French page's headings, labels,
 * buttons, tabs or table headers is a string that was not moved into the messages.
 */
export const ENGLISH =
  /\b(the|and|your|you|with|this|from|save|cancel|delete|edit|remove|invite|search|sign|settings|add|new|view|close|back|filter|none|show|hide|create|choose|select|open|members|people|customers|resellers|billing|activity|roles|staff|branding|dashboard|loading|previous|next|status|name|email|password)\b/i

/** The portal's own wording on the page (not data): what a person reads to find their way. */
export async function englishLeft(page: Page): Promise<string[]> {
  const texts = await page
    .locator('h1, h2, h3, h4, label, button, th, legend, [role=tab], [role=menuitem], nav a, [placeholder], [aria-label]')
    .evaluateAll((nodes) =>
      nodes.flatMap((n) => {
        const el = n as HTMLElement
        if (el.closest('[data-user-content]') || (el.offsetParent === null && !(el instanceof SVGElement))) return []
        // A region named by aria-label holds data: only its name is the portal's wording.
        const wording = (node: HTMLElement) => {
          // A label around data (a custom role's name) is the portal's wording without that data.
          if (!node.querySelector('[data-user-content]')) return node.innerText ?? node.textContent ?? ''
          const copy = node.cloneNode(true) as HTMLElement
          copy.querySelectorAll('[data-user-content]').forEach((d) => d.remove())
          return copy.textContent ?? ''
        }
        const own = el.matches('h1, h2, h3, h4, label, button, th, legend, [role=tab], [role=menuitem], nav a') ? wording(el) : ''
        return [own, el.getAttribute('placeholder') ?? '', el.getAttribute('aria-label') ?? ''].map((t) => t.trim()).filter(Boolean)
      }),
    )
  return [...new Set(texts.filter((t) => ENGLISH.test(t)))]
}

/** From now on the context's pages on the current page's host are drawn in French (the person's language cookie). */
export async function inFrench(context: BrowserContext, page: Page) {
  await context.addCookies([{ name: 'trellis-lang', value: 'fr', url: new URL(page.url()).origin }])
}
