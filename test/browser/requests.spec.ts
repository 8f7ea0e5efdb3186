/**
 * Message requests, blocking and removing a contact in the web app, in real headless Chromium,
 * with a daemon user on the CLI as the other party (the lab of lab.ts: the test's own network
 * namespaces). Dave has alice's invite; alice never added dave, so what he writes is a request.
 */
import assert from 'node:assert/strict'
import { sleep, waitFor } from '../node/harness.js'
import { AppPage, screenshot } from './app-driver.js'
import { WebLab } from './lab.js'
import type { NsDaemon } from '../node/netns.js'

describe('web app: message requests, blocking and removing a contact', function () {
  this.timeout(300_000)
  let lab: WebLab
  let dave: NsDaemon & { webUrl: string }
  let a: AppPage

  /** the requests the page shows: [text, count] */
  const requests = async (): Promise<Array<[string, string]>> => a.page.locator('[data-test^="request-12D3"], [data-test^="request-Qm"]').evaluateAll(els => els.map(el => [el.querySelector('[data-test=request-text]')?.textContent ?? '', el.querySelector('.meta')?.textContent ?? '']))
  const openRequests = async (): Promise<void> => {
    if (!await a.page.locator('[data-test=open-requests]').isVisible()) await a.page.getByRole('button', { name: 'Conversations', exact: true }).click()
    await a.page.locator('[data-test=open-requests]').click()
    await a.page.locator('[data-test=requests]').waitFor()
  }
  const daveSends = async (text: string): Promise<void> => {
    const r = await dave.run(['send', 'alice', text])
    assert.equal(r.code, 0, r.stderr)
  }

  before(async function () {
    lab = WebLab.setupOrSkip(this)
    dave = await lab.daemon('dave')
    const browser = await lab.browser(lab.profile())
    a = await new AppPage(await browser.context.newPage()).open(dave.webUrl)
    await a.createIdentity('alice')
    await a.reachable()
    assert.equal((await dave.run(['contact', 'add', 'alice', await a.invite()])).code, 0)
  })

  after(async () => {
    await lab?.destroy()
  })

  it('shows a stranger\'s messages as a request, apart from the conversations, and accepting makes a conversation', async () => {
    await daveSends('hello, we have not met')
    await daveSends('it is dave, from the daemon')
    await a.page.getByRole('button', { name: 'Conversations', exact: true }).click()
    await waitFor('the request count', async () => (await a.page.locator('[data-test=requests-count]').textContent().catch(() => null)) === '1', 60_000)
    assert.equal(await a.page.locator('[data-test^="contact-"]').count(), 0, 'no conversation was made')
    await openRequests()
    await waitFor('both messages counted', async () => (await requests()).some(([text, meta]) => text === 'it is dave, from the daemon' && meta.startsWith('2 messages')), 30_000)
    await screenshot(a.page, '12-message-request')
    await a.page.locator('[data-test=request-name]').fill('dave')
    await a.page.locator('[data-test=request-accept]').click()
    await a.page.locator('[data-test=chat] h2', { hasText: 'dave' }).waitFor()
    await a.until('both messages in the conversation', ms => ms.filter(m => m.dir === 'in').map(m => m.text).join('|') === 'hello, we have not met|it is dave, from the daemon')
    await screenshot(a.page, '13-request-accepted')
    await a.send('nice to meet you')
    await waitFor('dave has alice\'s reply', async () => (await dave.json<any[]>(['messages', 'alice'])).some(m => m.direction === 'in' && m.text === 'nice to meet you'), 60_000)
  })

  it('blocks a contact: nothing it sends arrives; unblocking lets it through again', async () => {
    await a.page.locator('[data-test=contact-actions]').click()
    await a.page.locator('[data-test=block]').click()
    await a.page.locator('[data-test=blocked]').waitFor()
    await screenshot(a.page, '14-blocked')
    await daveSends('are you there?')
    await sleep(10_000)
    assert.ok(!(await a.messages()).some(m => m.text === 'are you there?'), 'not in the conversation')
    assert.equal(await a.page.locator('[data-test=open-requests]').count(), 0, 'not as a request either')
    await a.send('blocked contacts get nothing').catch(() => {})
    assert.match(await a.error() ?? '', /blocked/)

    await a.page.locator('[data-test=contact-actions]').click()
    await a.page.locator('[data-test=unblock]').click()
    await a.until('the held message arrives once unblocked', ms => ms.some(m => m.dir === 'in' && m.text === 'are you there?'), 90_000)
  })

  it('removes a contact: the conversation goes from the list, and what it sends next is a request that can be declined', async () => {
    a.page.once('dialog', async d => { await d.accept() })
    await a.page.locator('[data-test=contact-actions]').click()
    await a.page.locator('[data-test=remove-contact]').click()
    await waitFor('dave gone from the list', async () => await a.page.locator('[data-test="contact-dave"]').count() === 0, 30_000)
    await daveSends('still friends?')
    await waitFor('a new request', async () => (await a.page.locator('[data-test=requests-count]').textContent().catch(() => null)) === '1', 60_000)
    await openRequests()
    await a.page.locator('[data-test=request-decline]').click()
    await a.page.locator('[data-test=no-requests]').waitFor()
    assert.deepEqual(a.errors, [], 'no uncaught errors in the page')
  })
})
