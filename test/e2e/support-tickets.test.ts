import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { accountId, pageOverflow, screenshot, signIn, story, STORY_TIMEOUT, visit } from './support.ts'

describe('Support and notifications', () => {
  story(
    'a customer opens a ticket, the reseller’s support answers it, and the customer sees the reply and the unread badge at once',
    { timeout: STORY_TIMEOUT * 2 },
    async ({ open }) => {
      const subject = `Shop offline ${Date.now().toString(36)}`
      // Bea, owner of Bluebird Bakery (a customer of Acme), asks for help.
      const bea = await open()
      await signIn(bea.page, 'owner@bluebird.test')
      const bluebird = await accountId(bea.page, 'Bluebird Bakery')
      await bea.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Support' }).click()
      await bea.page.waitForURL(`**/a/${bluebird}/support`)
      const main = bea.page.getByRole('main')
      await main.getByRole('heading', { level: 1, name: 'Support' }).waitFor()
      await main.getByRole('link', { name: 'New ticket' }).first().click()
      await bea.page.waitForURL(`**/a/${bluebird}/support/new`)
      await main.getByLabel('Subject').fill(subject)
      await main.getByLabel('Priority').selectOption('urgent')
      await main.getByLabel('Service (optional)').selectOption({ label: 'www.bluebirdbakery.com' })
      await main.getByLabel('Message').fill('The shop answers 502 since a few minutes. Customers cannot order.')
      await screenshot(bea.page, 'support-new-ticket')
      await main.getByRole('button', { name: 'Open ticket' }).click()
      await bea.page.waitForURL(new RegExp(`/a/${bluebird}/support/tkt_`))
      await main.getByRole('heading', { level: 1, name: subject }).waitFor()
      await main.getByText('Awaiting support').waitFor()
      const ticketPath = new URL(bea.page.url()).pathname
      const ticketId = ticketPath.split('/').at(-1)!

      // Sarah, at Acme, is told in the portal: her bell counts it, the queue lists it.
      const sarah = await open()
      await signIn(sarah.page, 'sarah@acme.test')
      const acme = await accountId(sarah.page, 'Acme Hosting')
      await sarah.page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).waitFor()
      await visit(sarah.page, `/a/${acme}/support`)
      const queue = sarah.page.getByRole('main')
      await queue.getByRole('link', { name: 'Customer tickets' }).waitFor()
      const row = queue.getByRole('link', { name: new RegExp(subject) })
      await row.waitFor()
      await screenshot(sarah.page, 'support-queue')
      await sarah.page.setViewportSize({ width: 375, height: 812 })
      assert.equal(await pageOverflow(sarah.page), 0, 'the queue fits 375 px')
      await screenshot(sarah.page, 'support-queue-375')
      await sarah.page.setViewportSize({ width: 1280, height: 800 })
      await row.click()
      await sarah.page.waitForURL(`**/a/${acme}/support/${ticketId}`)
      await queue.getByText('Bluebird Bakery · Opened by owner@bluebird.test').waitFor()
      await queue.getByLabel('Assignee').selectOption({ label: 'Sarah Chen' })
      await sarah.page.getByRole('status').getByText('Assignment saved').waitFor()
      await queue.getByLabel('Your reply').fill('We are on it: the web server ran out of memory. It is back now.')
      await queue.getByRole('button', { name: 'Send reply' }).click()
      await sarah.page.getByRole('status').getByText('Reply sent').waitFor()
      await queue.getByText('Awaiting customer').waitFor()
      await screenshot(sarah.page, 'support-ticket-staff')

      // Bea, who kept the ticket open, hears of the reply live: a toast and the bell's badge.
      await bea.page.getByRole('status').getByText(`Reply on your ticket: ${subject}`).waitFor()
      await bea.page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor()
      await visit(bea.page, ticketPath)
      await main.getByText('It is back now.').waitFor()
      await main.getByText('Awaiting customer').waitFor()
      await screenshot(bea.page, 'support-ticket-customer')
      await bea.page.setViewportSize({ width: 375, height: 812 })
      assert.equal(await pageOverflow(bea.page), 0, 'the ticket fits 375 px')
      await screenshot(bea.page, 'support-ticket-customer-375')
      await bea.page.setViewportSize({ width: 1280, height: 800 })

      // The bell lists the notice and leads to the ticket; following it marks it read.
      await bea.page.getByRole('button', { name: 'Notifications, 1 unread' }).click()
      const notice = bea.page.getByRole('link', { name: new RegExp(`Reply on your ticket: ${subject}`) })
      await notice.waitFor()
      await screenshot(bea.page, 'notifications-bell')
      await notice.click()
      await bea.page.waitForURL(`**${ticketPath}`)
      await bea.page.getByRole('button', { name: 'Notifications', exact: true }).waitFor()

      // Bea closes the ticket: it takes no more replies.
      await main.getByRole('button', { name: 'Close ticket' }).click()
      await main.getByText('This ticket is closed. Reopen it to reply.').waitFor()
    },
  )

  story('every member reads their notifications and chooses their own emails on the Notifications page', { timeout: STORY_TIMEOUT * 2 }, async ({ open }) => {
    // A reply to one of Carl's tickets puts a notice in his inbox.
    const sarah = await open()
    await signIn(sarah.page, 'sarah@acme.test')
    const acme = await accountId(sarah.page, 'Acme Hosting')
    const carl = await open()
    await signIn(carl.page, 'owner@copperleaf.test')
    const copperleaf = await accountId(carl.page, 'Copperleaf Studio')
    const opened = await carl.page.request.post(`/api/v1/accounts/${copperleaf}/tickets`, {
      data: { subject: 'Invoices by email?', body: 'Can invoices go to accounts@copperleaf.studio?', priority: 'low' },
      headers: { origin: new URL(carl.page.url()).origin },
    })
    assert.equal(opened.status(), 201)
    const ticket = ((await opened.json()) as { ticket: { id: string } }).ticket.id
    await visit(sarah.page, `/a/${acme}/support/${ticket}`)
    await sarah.page.getByRole('main').getByLabel('Your reply').fill('Yes: we changed the address for you.')
    await sarah.page.getByRole('main').getByRole('button', { name: 'Send reply' }).click()
    await sarah.page.getByRole('status').getByText('Reply sent').waitFor()

    await carl.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notifications' }).click()
    await carl.page.waitForURL(`**/a/${copperleaf}/notifications`)
    const main = carl.page.getByRole('main')
    await main.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor()
    await main.getByRole('list', { name: 'Notifications' }).getByText('Reply on your ticket: Invoices by email?').waitFor()
    // Carl was told live while on his dashboard: the bell counts it.
    await carl.page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).waitFor()
    await main.getByRole('heading', { name: 'Email me about' }).waitFor()
    await screenshot(carl.page, 'notifications-page')
    await carl.page.setViewportSize({ width: 375, height: 812 })
    assert.equal(await pageOverflow(carl.page), 0, 'the notifications page fits 375 px')
    await screenshot(carl.page, 'notifications-page-375')
    await carl.page.setViewportSize({ width: 1280, height: 800 })

    // Marking all read empties the badge.
    await main.getByRole('button', { name: 'Mark all read' }).click()
    await carl.page.getByRole('status').getByText('Marked as read').waitFor()
    await carl.page.getByRole('button', { name: 'Notifications', exact: true }).waitFor()

    // Carl (owner, no Staff page needed) chooses his own emails.
    await main.getByRole('checkbox', { name: 'Service changed' }).check()
    await main.getByRole('button', { name: 'Save' }).click()
    await carl.page.getByRole('status').getByText('Email notifications saved').waitFor()
    await carl.page.reload()
    assert.equal(await carl.page.getByRole('main').getByRole('checkbox', { name: 'Service changed' }).isChecked(), true)
  })
})
