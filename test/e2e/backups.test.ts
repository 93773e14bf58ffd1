import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe } from 'node:test'
import { gunzipSync, gzipSync } from 'node:zlib'
import { accountId, pageOverflow, screenshot, signIn, story, visit } from './support.ts'

type Line = Record<string, unknown> & { t: string }

describe('Backups', () => {
  story('Alex downloads a backup of a customer with a progress bar, is told what clashes, and restores a copy', { timeout: 120_000 }, async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    const acme = await accountId(page, 'Acme Hosting')
    await visit(page, `/a/${acme}/backups`)
    await page.getByRole('heading', { name: 'Backups', level: 1 }).waitFor()
    await page.getByLabel('What to back up').selectOption({ label: 'Bluebird Bakery (customer)' })
    await page.getByTestId('backup-preview').getByText('Services').waitFor()

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download backup' }).click()])
    assert.match(download.suggestedFilename(), /^trellis-backup-bluebird-bakery-\d{4}-\d{2}-\d{2}\.ndjson\.gz$/)
    const bytes = await readFile((await download.path())!)
    const lines = gunzipSync(bytes).toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Line)
    assert.equal(lines[0]!.t, 'header')
    await page.getByText(`${lines.length} of ${lines.length} lines`).waitFor()
    assert.equal(await page.getByRole('progressbar', { name: 'Backup download' }).getAttribute('aria-valuenow'), '100')
    await screenshot(page, 'backups-1280')

    // The same backup back while Bluebird exists: checked first, refused, naming the clashing id.
    const file = page.getByLabel('Backup file')
    await file.setInputFiles({ name: 'bluebird.ndjson.gz', mimeType: 'application/gzip', buffer: bytes })
    await page.getByRole('button', { name: 'Check backup' }).click()
    const problem = page.getByTestId('restore-problem')
    await problem.getByText(/line 2\.id/).waitFor()
    await problem.getByText(/already exists/).first().waitFor()
    await screenshot(page, 'backups-clash-1280')

    // A copy under a new id (without people, services or hostnames, so the demo's other stories keep their data).
    const root = lines.find((l) => l.t === 'account')!
    const id = `acc_e2ecopy${Date.now().toString(36)}`
    const header = { ...lines[0]!, root: { ...(lines[0]!.root as object), id, name: 'Juniper Books' }, counts: { accounts: 1, templates: 0, roles: 0, groups: 0, services: 0, members: 0, brands: 0, hostnames: 0 }, total: 3 }
    const copy = [header, { ...root, id, name: 'Juniper Books' }, { t: 'end', total: 3 }].map((l) => JSON.stringify(l)).join('\n') + '\n'
    await file.setInputFiles({ name: 'juniper.ndjson.gz', mimeType: 'application/gzip', buffer: gzipSync(copy) })
    await page.getByRole('button', { name: 'Check backup' }).click()
    await page.getByTestId('restore-check').getByText('The backup of Juniper Books can be restored here.').waitFor()
    await page.getByRole('button', { name: 'Restore…' }).click()
    const dialog = page.getByRole('alertdialog')
    await dialog.getByText('Restore Juniper Books under Acme Hosting?').waitFor()
    await dialog.getByRole('button', { name: 'Restore', exact: true }).click()
    await page.getByTestId('restore-done').getByText(/Juniper Books is back/).waitFor()
    await page.getByText('Juniper Books restored').waitFor()

    await visit(page, `/a/${acme}/activity`)
    await page.getByText(/restored Juniper Books from a backup/).first().waitFor()
    // The demo's other stories count Acme's customers: the copy goes again (deleted accounts are not counted).
    const removed = await page.request.delete(`/api/v1/accounts/${acme}/customers/${id}`, { headers: { origin: new URL(page.url()).origin } })
    assert.equal(removed.status(), 200, 'the restored copy is deleted again')
  })

  story('fits a 375 px screen', async ({ open }) => {
    const { page } = await open({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })
    await signIn(page, 'owner@acme.test')
    await visit(page, `/a/${await accountId(page, 'Acme Hosting')}/backups`)
    await page.getByTestId('backup-preview').waitFor()
    assert.equal(await pageOverflow(page), 0)
    await screenshot(page, 'backups-375')
  })
})

describe('Settings', () => {
  story('Alex sets a customer’s admin cap from the parent, with field errors, and Bea is asked before partner access changes', { timeout: 120_000 }, async ({ open }) => {
    const { page } = await open()
    await signIn(page, 'owner@acme.test')
    const bluebird = (await page.request.get('/api/v1/me/reachable-accounts?q=Bluebird').then((r) => r.json())) as { items: { id: string; name: string }[] }
    const id = bluebird.items.find((a) => a.name === 'Bluebird Bakery')!.id
    await visit(page, `/a/${id}/settings`)
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
    const cap = page.getByLabel('Admins at most')
    const before = await cap.inputValue()
    await cap.fill('0')
    await page.getByRole('button', { name: 'Save admin cap' }).click()
    await page.getByText('Enter a whole number from 1 to 100.').waitFor()
    await cap.fill(String(Number(before) + 1))
    await page.getByRole('button', { name: 'Save admin cap' }).click()
    await page.getByText('Admin cap saved').waitFor()
    await screenshot(page, 'settings-parent-1280')
    await cap.fill(before)
    await page.getByRole('button', { name: 'Save admin cap' }).click()
    await page.getByText('Admin cap saved').first().waitFor()

    const { page: bea } = await open()
    await signIn(bea, 'owner@bluebird.test')
    await visit(bea, `/a/${id}/settings`)
    const name = bea.getByLabel('Account name')
    await name.fill('')
    await bea.getByRole('button', { name: 'Save name' }).click()
    await bea.getByText('Enter a name.').waitFor()
    await name.fill('Bluebird Bakery')
    await bea.getByTestId('admin-cap').waitFor()
    await bea.getByRole('button', { name: 'Off for all services' }).click()
    const dialog = bea.getByRole('alertdialog')
    await dialog.getByText('Turn partner access off for every service of Bluebird Bakery?').waitFor()
    await screenshot(bea, 'settings-confirm-1280')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await screenshot(bea, 'settings-1280')
  })

  story('fits a 375 px screen', async ({ open }) => {
    const { page } = await open({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })
    await signIn(page, 'owner@bluebird.test')
    await visit(page, `/a/${await accountId(page, 'Bluebird Bakery')}/settings`)
    await page.getByTestId('retention').waitFor()
    assert.equal(await pageOverflow(page), 0)
    await screenshot(page, 'settings-375')
  })
})
