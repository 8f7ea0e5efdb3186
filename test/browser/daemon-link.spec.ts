/**
 * "Link to NAME (this daemon's user)" on the first screen of the web app a daemon serves, in real
 * headless Chromium (the web lab's namespaces): the button only asks; nothing links until the
 * daemon's user runs `ferry device approve CODE` with the code the page shows. A wrong code is
 * refused and links nothing; the right one (with --history) links the page as alice's device,
 * with the same confirmation number on both sides and her conversation with bob.
 */
import assert from 'node:assert/strict'
import { waitFor } from '../node/harness.js'
import { AppPage, screenshot } from './app-driver.js'
import { befriendDaemons, WebLab } from './lab.js'
import type { NsDaemon as Daemon } from '../node/netns.js'

describe('web app: link to the daemon\'s user, approved on the daemon', function () {
  this.timeout(300_000)
  let lab: WebLab
  let alice: Daemon & { webUrl: string }
  let bob: Daemon & { webUrl: string }

  before(async function () {
    lab = WebLab.setupOrSkip(this)
    ;[alice, bob] = await Promise.all([lab.daemon('alice'), lab.daemon('bob')])
    await befriendDaemons(alice, bob)
    assert.equal((await bob.run(['send', 'alice', 'before the browser'])).code, 0)
    await waitFor('alice has bob\'s message', async () => (await alice.json<any[]>(['messages'])).some(m => m.text === 'before the browser'), 60_000)
  })

  after(async () => { await lab?.destroy() })

  it('the page shows a code; a wrong code is refused; the right one links the page as alice\'s device', async () => {
    const page = await new AppPage(await (await lab.browser(lab.profile())).context.newPage()).open(alice.webUrl)
    const ask = page.page.locator('[data-test=daemon-link-ask]')
    assert.equal(await ask.textContent(), 'Link to alice (this daemon\'s user)')
    await ask.click()
    const command = (await page.page.locator('[data-test=daemon-link-command]').textContent()) ?? ''
    const code = /^ferry device approve (\d{6})$/.exec(command)?.[1]
    assert.ok(code != null, command)
    await waitFor('alice logs the request (not its code)', () => alice.log.includes('a browser asks to link'))
    assert.ok(!alice.log.includes(code), 'the code is read from the page, never from the log')
    await screenshot(page.page, '36-daemon-link-waiting')

    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0')
    const refused = await alice.run(['device', 'approve', wrong])
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /no browser is waiting to link with code/)
    await new Promise(resolve => setTimeout(resolve, 2500)) // the page polls every second: nothing came
    assert.equal(await page.page.locator('[data-test=link-done]').count(), 0)
    assert.equal((await alice.json<any[]>(['device', 'list'])).length, 1, 'nothing linked')

    const approved = await alice.json<{ approved: string, name: string }>(['device', 'approve', code, '--history'])
    assert.deepEqual(approved, { approved: code, name: 'browser' })
    const confirm = await page.page.locator('[data-test=link-confirm]').textContent({ timeout: 60_000 })
    assert.equal(await page.page.locator('[data-test=link-history]').textContent(), '1 message of history came along.')
    await waitFor('alice logged the same confirmation number', () => alice.log.includes(`confirmation ${confirm ?? '?'}`))
    await page.page.getByRole('button', { name: 'Continue' }).click()
    await page.page.locator('[data-test=net]').waitFor({ timeout: 30_000 })
    const devices = await alice.json<any[]>(['device', 'list'])
    assert.deepEqual(devices.map(d => d.device), [(await alice.json(['id'])).peerId, await page.peerId()])
    assert.equal((await alice.run(['device', 'approve', code])).code === 0, false, 'a code is approved once')
    await page.openChat('bob')
    await page.until('the history came over the link', ms => ms.some(m => m.text === 'before the browser' && m.dir === 'in'))
    assert.deepEqual(page.errors, [])
  })
})
