/**
 * A browser page linked to a daemon's identity, in real headless Chromium (the web lab's
 * namespaces): alice's daemon makes a link code, a fresh page pastes it on its first screen and
 * becomes another device of alice — with her contacts. Bob, who only ever added the daemon,
 * reaches both; a reply from the page reaches bob and shows on the daemon as sent.
 */
import assert from 'node:assert/strict'
import { waitFor } from '../node/harness.js'
import { AppPage, screenshot } from './app-driver.js'
import { WebLab } from './lab.js'
import type { NsDaemon } from '../node/netns.js'

describe('linking a browser page to a daemon\'s identity', function () {
  this.timeout(300_000)
  let lab: WebLab
  let alice: NsDaemon & { webUrl: string }
  let bob: NsDaemon & { webUrl: string }
  let page: AppPage

  before(async function () {
    lab = WebLab.setupOrSkip(this)
    ;[alice, bob] = await Promise.all([lab.daemon('alice'), lab.daemon('bob')])
    const inviteOf = async (d: NsDaemon): Promise<string> => (await d.json<{ invite: string }>(['invite'])).invite
    assert.equal((await alice.run(['contact', 'add', 'bob', await inviteOf(bob)])).code, 0)
    assert.equal((await bob.run(['contact', 'add', 'alice', await inviteOf(alice)])).code, 0)
    page = await new AppPage(await (await lab.browser(lab.profile())).context.newPage()).open(alice.webUrl)
  })

  after(async () => { await lab?.destroy() })

  it('a wrong code is refused on the first screen, and a good one links the page with the daemon\'s contacts', async () => {
    const { link } = await alice.json<{ link: string }>(['device', 'link'])
    await page.page.getByText('Link to an existing Ferry identity').click()
    await page.page.getByLabel('Link code').fill(link.slice(0, -6) + 'AAAAAA')
    await page.page.getByRole('button', { name: 'Link this browser' }).click()
    await page.page.getByRole('alert').waitFor()
    assert.match(await page.page.getByRole('alert').textContent() ?? '', /Could not link/)
    await page.page.getByLabel('Link code').fill(link)
    await page.page.getByLabel('This device\'s name').fill('browser')
    await screenshot(page.page, '29-link-form')
    await page.page.getByRole('button', { name: 'Link this browser' }).click()
    const confirm = await page.page.locator('[data-test=link-confirm]').textContent({ timeout: 60_000 })
    await screenshot(page.page, '30-linked')
    await waitFor('alice logged the same number', () => alice.log.includes(`confirmation ${confirm ?? '?'}`))
    await page.page.getByRole('button', { name: 'Continue' }).click()
    await page.page.locator('[data-test=net]').waitFor({ timeout: 30_000 })
    const [daemonId, pagePeer] = [await alice.json(['id']), await page.peerId()]
    assert.equal(await page.page.evaluate(() => (globalThis as any).ferryTab.ferry.status().then((s: any) => s.identity)), daemonId.identity)
    const devices = await alice.json<any[]>(['device', 'list'])
    assert.deepEqual(devices.map(d => d.device), [daemonId.peerId, pagePeer])
    await page.page.locator('[data-test="contact-bob"]').first().waitFor()
    await waitFor('bob knows the page as alice\'s device', async () => (await bob.json<any[]>(['contact', 'list']))[0].devices?.includes(pagePeer) === true, 60_000)
  })

  it('bob\'s message reaches the daemon and the page once; the page\'s reply reaches bob and shows on the daemon as sent', async () => {
    assert.equal((await bob.run(['send', 'alice', 'to every device'])).code, 0)
    await page.openChat('bob')
    await page.until('the page has bob\'s message', ms => ms.filter(m => m.text === 'to every device' && m.dir === 'in').length === 1)
    await waitFor('the daemon has it', async () => (await alice.json<any[]>(['messages'])).filter(m => m.text === 'to every device').length === 1)
    await page.send('from the browser')
    await waitFor('bob has the reply once', async () => (await bob.json<any[]>(['messages'])).filter(m => m.text === 'from the browser' && m.direction === 'in').length === 1, 60_000)
    await waitFor('the daemon shows it as sent', async () => (await alice.json<any[]>(['messages'])).some(m => m.text === 'from the browser' && m.status === 'sent'), 60_000)
    await screenshot(page.page, '31-linked-conversation')
    assert.equal((await page.messages()).filter(m => m.text === 'to every device').length, 1)
    assert.deepEqual(page.errors, [])
  })
})
