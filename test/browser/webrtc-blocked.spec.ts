/**
 * A browser that cannot use WebRTC-direct to its daemon (UDP to the daemon's WebRTC-direct port
 * is dropped, as a firewall would) still talks to the daemon's user at once over the WebSocket
 * connection it already holds: each message reaches `delivered` in well under a second on this
 * loopback lab, not after a WebRTC-direct attempt that can only time out. Real Chromium, a real
 * daemon, the lab of lab.ts; the drop is real routing (WebLab.dropUdpTo), not a stub.
 */
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { transportOf } from '../../protocol/index.js'
import { waitFor } from '../node/harness.js'
import { AppPage, screenshot } from './app-driver.js'
import { WebLab } from './lab.js'
import type { NsDaemon } from '../node/netns.js'

const delivered = (s: string): boolean => s === 'delivered' || s === 'read'
/** messages sent one after another, each timed */
const MESSAGES = 5
/** send to delivered, on loopback (the acceptance bound; it took ~6 s per message) */
const DELIVERED_WITHIN_MS = 1_000

describe('web app whose WebRTC-direct to the daemon is blocked', function () {
  this.timeout(300_000)
  let lab: WebLab
  let dave: NsDaemon & { webUrl: string }
  let davePeer: string
  let a: AppPage

  before(async function () {
    lab = WebLab.setupOrSkip(this)
    dave = await lab.daemon('dave')
    const id = await dave.json<{ peerId: string, addresses: string[] }>(['id'])
    davePeer = id.peerId
    const webrtc = id.addresses.find(s => transportOf(multiaddr(s)) === 'webrtc-direct')
    const port = Number(webrtc?.match(/\/udp\/(\d+)\//)?.[1])
    assert.ok(port > 0, `dave has a WebRTC-direct address: ${id.addresses.join(' ')}`)
    lab.dropUdpTo(port)
    const browser = await lab.browser()
    a = await new AppPage(await browser.context.newPage()).open(dave.webUrl)
  })

  after(async () => {
    await lab?.destroy()
  })

  it(`sends ${MESSAGES} messages to the daemon's user, each delivered within ${DELIVERED_WITHIN_MS} ms, over WebSockets`, async () => {
    const started = Date.now()
    await a.createIdentity('alice')
    await waitFor('the header says connected', async () => /^connected/.test(await a.page.locator('[data-test=net]').textContent() ?? ''), 60_000)
    console.log(`      connected ${Date.now() - started} ms after "Create my identity"`)
    await a.page.locator('[data-test=nav-add]').click()
    await a.page.locator('[data-test=add-daemon]').click()
    await a.page.locator('[data-test=add-submit]').click()
    await a.page.locator('[data-test=chat] h2', { hasText: 'dave' }).waitFor()
    assert.equal((await dave.run(['contact', 'add', 'alice', await a.invite()])).code, 0)
    await a.openChat('dave')

    const took: number[] = []
    for (let i = 1; i <= MESSAGES; i++) {
      const text = `through the WebSocket ${i}`
      const clicked = Date.now()
      await a.send(text)
      await a.until(`"${text}" delivered`, ms => ms.some(m => m.text === text && delivered(m.status)), 60_000)
      const shown = Date.now() - clicked
      // the app's own clock: queued (createdAt) to the receipt (deliveredAt), free of the UI's polling
      const m = await a.page.evaluate(async (t) => (await (globalThis as any).ferryTab.ferry.conversations.history({ contact: 'dave' })).find((x: any) => x.text === t), text)
      took.push(m.deliveredAt - m.createdAt)
      console.log(`      message ${i}: delivered ${m.deliveredAt - m.createdAt} ms after sending (shown after ${shown} ms)`)
    }
    await screenshot(a.page, '11-webrtc-direct-blocked')
    for (const [i, ms] of took.entries()) assert.ok(ms < DELIVERED_WITHIN_MS, `message ${i + 1} took ${ms} ms to be delivered (${took.join(', ')} ms)`)

    const texts = Array.from({ length: MESSAGES }, (_, i) => `through the WebSocket ${i + 1}`)
    await waitFor('dave has them all', async () => (await dave.json<any[]>(['messages', 'alice'])).filter(m => m.direction === 'in').length === MESSAGES, 30_000)
    assert.deepEqual((await dave.json<any[]>(['messages', 'alice'])).filter(m => m.direction === 'in').map(m => m.text), texts, 'each once, in order')
    // the drop is real: the browser holds no WebRTC-direct connection to the daemon
    const transports = await a.page.evaluate((p) => (globalThis as any).ferryTab.ferry.libp2p.getConnections().filter((c: any) => c.remotePeer.toString() === p).map((c: any) => c.remoteAddr.toString()), davePeer)
    assert.ok(transports.length > 0, 'connected to dave')
    assert.deepEqual(transports.map((s: string) => transportOf(multiaddr(s))).filter((t: string) => t === 'webrtc-direct'), [], `connections: ${transports.join(' ')}`)
    assert.deepEqual(a.errors, [], 'no uncaught errors in the page')
  })
})
