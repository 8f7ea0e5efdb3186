/**
 * A browser page linked to a daemon's identity, in real headless Chromium (the web lab's
 * namespaces): alice's daemon makes a link code, a fresh page pastes it on its first screen and
 * becomes another device of alice — with her contacts — and a second daemon links by the CLI. Bob,
 * who only ever added the first daemon, reaches all three devices once each; a reply from the page
 * reaches bob and shows on both daemons as sent.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { NsDaemon as Daemon } from '../node/netns.js'
import { tempDir, waitFor } from '../node/harness.js'
import { AppPage, screenshot } from './app-driver.js'
import { befriendDaemons, WebLab } from './lab.js'

describe('linking a browser page to a daemon\'s identity', function () {
  this.timeout(300_000)
  let lab: WebLab
  let alice: Daemon & { webUrl: string }
  let bob: Daemon & { webUrl: string }
  let page: AppPage
  let alice2: Daemon | undefined

  before(async function () {
    lab = WebLab.setupOrSkip(this)
    ;[alice, bob] = await Promise.all([lab.daemon('alice'), lab.daemon('bob')])
    await befriendDaemons(alice, bob)
    page = await new AppPage(await (await lab.browser(lab.profile())).context.newPage()).open(alice.webUrl)
  })

  after(async () => {
    await alice2?.stop()
    await lab?.destroy()
  })

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

  it('a second daemon links too: three devices of one identity', async () => {
    const { link } = await alice.json<{ link: string }>(['device', 'link'])
    alice2 = new Daemon(lab.ns, join(tempDir('ferry-web-alice2-'), 'data'), 'alice2')
    const r = await alice2.run(['init', '--link', link])
    assert.equal(r.code, 0, r.stderr)
    await alice2.start(['--no-mdns', '--no-web', '--listen', `/ip4/${lab.address}/tcp/0`, '--listen', `/ip4/${lab.address}/udp/0/webrtc-direct`])
    const second = (await alice2.json(['id'])).peerId
    assert.equal((await alice.json<any[]>(['device', 'list'])).length, 3)
    await waitFor('bob knows the second daemon as alice\'s device', async () => (await bob.json<any[]>(['contact', 'list']))[0].devices?.includes(second) === true, 60_000)
  })

  it('bob\'s message reaches all three devices once; the page\'s reply reaches bob and shows on both daemons as sent', async () => {
    const daemons = [alice, alice2 as Daemon]
    assert.equal((await bob.run(['send', 'alice', 'to every device'])).code, 0)
    await page.openChat('bob')
    await page.until('the page has bob\'s message', ms => ms.filter(m => m.text === 'to every device' && m.dir === 'in').length === 1)
    for (const d of daemons) await waitFor(`${d.name} has it`, async () => (await d.json<any[]>(['messages'])).filter(m => m.text === 'to every device').length === 1)
    // the page has the conversation open: its copy is read there
    await waitFor('bob sees it delivered to three devices', async () => (await bob.json<any[]>(['messages'])).find(m => m.text === 'to every device')?.devices?.filter((d: any) => d.status === 'delivered' || d.status === 'read').length === 3, 60_000)
    await page.send('from the browser')
    await waitFor('bob has the reply once', async () => (await bob.json<any[]>(['messages'])).filter(m => m.text === 'from the browser' && m.direction === 'in').length === 1, 60_000)
    for (const d of daemons) await waitFor(`${d.name} shows it as sent`, async () => (await d.json<any[]>(['messages'])).filter(m => m.text === 'from the browser' && m.status === 'sent').length === 1, 60_000)
    for (const d of daemons) assert.equal((await d.json<any[]>(['messages'])).filter(m => m.text === 'to every device').length, 1)
    await screenshot(page.page, '31-linked-conversation')
    assert.equal((await page.messages()).filter(m => m.text === 'to every device').length, 1)
    assert.deepEqual(page.errors, [])
  })

  it('the page lists the identity\'s devices in Settings, offers no revoke or backup (the identity key stays on the first daemon), and follows a revoke made there', async () => {
    const second = (await (alice2 as Daemon).json(['id'])).peerId
    await page.page.locator('[data-test=nav-settings]').click()
    await waitFor('three devices listed', async () => await page.page.locator('[data-test=device]').count() === 3)
    assert.equal(await page.page.locator('[data-test^=revoke-]').count(), 0)
    assert.match(await page.page.locator('[data-test=not-holder]').innerText(), /identity key stays on the device you linked this browser from/)
    await screenshot(page.page, '32-devices')
    const revoked = await alice.run(['device', 'revoke', second])
    assert.equal(revoked.code, 0, revoked.stderr)
    await waitFor('the first daemon took the new list', async () => (await alice.json<any[]>(['device', 'list'])).length === 2, 60_000)
    await waitFor('two devices listed on the page', async () => await page.page.locator('[data-test=device]').count() === 2, 60_000)
    await waitFor('bob took the revocation', async () => (await bob.json<any[]>(['contact', 'list']))[0].revokedDevices?.includes(second) === true, 60_000)
    assert.deepEqual(page.errors, [])
  })
})
