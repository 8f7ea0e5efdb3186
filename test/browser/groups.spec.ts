/**
 * Team rooms in the web app, real headless Chromium: two browser pages (alice, bob) and a daemon
 * user (dave) in the test's own network namespaces (NETWORK-TESTING.md recipe 3). Alice makes a
 * room with bob and dave through the UI (bob and dave are not each other's contacts); messages
 * flow every way between the pages and the CLI; alice removes bob through the UI and the removal
 * shows on all three. Screenshots of the new screens go to test-artifacts/.
 */
import assert from 'node:assert/strict'
import { waitFor } from '../node/harness.js'
import { AppPage, screenshot } from './app-driver.js'
import { WebLab } from './lab.js'
import type { NsDaemon } from '../node/netns.js'
import type { Page } from 'playwright-core'

/** The shown messages of the open room: direction, text, receipts line. */
async function shown (page: Page): Promise<Array<{ dir: string, text: string, receipts: string }>> {
  return page.locator('[data-test=group-message]').evaluateAll(els => els.map(el => ({
    dir: el.getAttribute('data-dir') ?? '',
    text: el.querySelector('.text')?.textContent ?? '',
    receipts: el.querySelector('[data-test=receipts]')?.textContent ?? ''
  })))
}

describe('web app in Chromium: team rooms', function () {
  this.timeout(300_000)
  let lab: WebLab
  let dave: NsDaemon & { webUrl: string }
  let a: AppPage
  let b: AppPage
  let gid = ''

  before(async function () {
    lab = WebLab.setupOrSkip(this)
    dave = await lab.daemon('dave')
    a = await new AppPage(await (await lab.browser(lab.profile())).context.newPage()).open(dave.webUrl)
    b = await new AppPage(await (await lab.browser(lab.profile())).context.newPage()).open(dave.webUrl)
  })

  after(async () => { await lab?.destroy() })

  const openRoom = async (p: AppPage, name: string): Promise<void> => {
    const entry = p.page.locator(`[data-test="group-${name}"]`).first()
    if (!await entry.isVisible()) await p.page.getByRole('button', { name: 'Conversations', exact: true }).click()
    await entry.click()
    await p.page.locator('[data-test=group-chat] h2', { hasText: name }).waitFor()
  }
  const until = async (p: AppPage, what: string, fn: (ms: Array<{ dir: string, text: string, receipts: string }>) => boolean): Promise<void> => {
    let last: Array<{ dir: string, text: string, receipts: string }> = []
    try {
      await waitFor(what, async () => fn(last = await shown(p.page)), 60_000)
    } catch (err: any) {
      throw new Error(`${err.message}; shown: ${JSON.stringify(last)}`)
    }
  }
  const daveIn = async (): Promise<string[]> => (await dave.json<any[]>(['messages', '--group', gid])).filter(m => m.direction === 'in').map(m => m.text)

  it('alice makes a room with bob and dave through the UI', async () => {
    await a.createIdentity('alice')
    await b.createIdentity('bob')
    await Promise.all([a.reachable(), b.reachable()])
    await a.addContact('bob', await b.invite())
    await b.addContact('alice', await a.invite())
    await a.page.locator('[data-test=nav-add]').click()
    await a.page.locator('[data-test=add-daemon]').click()
    await a.page.locator('[data-test=add-submit]').click()
    await a.page.locator('[data-test=chat] h2', { hasText: 'dave' }).waitFor()
    assert.equal((await dave.run(['contact', 'add', 'alice', await a.invite()])).code, 0)
    await a.page.getByRole('button', { name: 'Conversations', exact: true }).click()
    await screenshot(a.page, '19-list-with-rooms-entry')
    await a.page.locator('[data-test=new-group]').click()
    await a.page.getByLabel('Room name').fill('ops')
    await a.page.locator('[data-test=pick-bob]').check()
    await a.page.locator('[data-test=pick-dave]').check()
    await screenshot(a.page, '20-new-room')
    await a.page.locator('[data-test=create-group]').click()
    await a.page.locator('[data-test=group-chat] h2', { hasText: 'ops' }).waitFor()
    await waitFor('dave holds the room', async () => (await dave.run(['group', 'info', 'ops', '--json'])).code === 0, 60_000)
    gid = (await dave.json<any>(['group', 'info', 'ops'])).group
    await waitFor('bob\'s page lists the room', async () => await b.page.locator('[data-test="group-ops"]').count() > 0, 60_000)
    await openRoom(b, 'ops')
  })

  it('messages flow between the two pages and the CLI, every way', async () => {
    await a.page.locator('[data-test=group-compose]').fill('hello team, from alice')
    await a.page.locator('[data-test=group-compose]').press('Enter')
    await b.page.locator('[data-test=group-compose]').fill('bob here')
    await b.page.locator('[data-test=group-compose]').press('Enter')
    assert.equal((await dave.run(['group', 'send', gid, 'dave on the CLI'])).code, 0)
    await until(a, 'alice reads bob and dave', ms => ['bob here', 'dave on the CLI'].every(t => ms.some(m => m.dir === 'in' && m.text === t)))
    await until(b, 'bob reads alice and dave', ms => ['hello team, from alice', 'dave on the CLI'].every(t => ms.some(m => m.dir === 'in' && m.text === t)))
    await waitFor('dave reads alice and bob', async () => { const got = await daveIn(); return got.includes('hello team, from alice') && got.includes('bob here') }, 60_000)
    await until(a, 'alice sees her message delivered to both', ms => ms.some(m => m.text === 'hello team, from alice' && m.receipts.startsWith('delivered 2/2')))
    await screenshot(a.page, '21-room')
    assert.deepEqual(a.errors, [])
    assert.deepEqual(b.errors, [])
  })

  it('alice removes bob through the UI: all three see it, and bob reads nothing sent after', async () => {
    await a.page.locator('[data-test=group-members] summary').click()
    await screenshot(a.page, '22-room-members')
    await a.page.locator('[data-test=remove-bob]').click()
    await waitFor('alice\'s page shows two members', async () => (await a.page.locator('[data-test=member]').count()) === 2, 30_000)
    await waitFor('dave sees two members', async () => (await dave.json<any>(['group', 'info', gid])).members.length === 2, 60_000)
    await b.page.locator('[data-test=group-removed]').waitFor({ timeout: 60_000 })
    await screenshot(b.page, '23-room-removed')
    assert.equal(await b.page.locator('[data-test=group-compose]').count(), 0, 'bob has no composer any more')
    assert.equal((await dave.run(['group', 'send', gid, 'after bob left'])).code, 0)
    await until(a, 'alice reads dave after the removal', ms => ms.some(m => m.text === 'after bob left'))
    await new Promise(resolve => setTimeout(resolve, 3000))
    assert.ok(!(await shown(b.page)).some(m => m.text === 'after bob left'), 'bob reads nothing sent after his removal')
  })
})
