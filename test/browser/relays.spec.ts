/**
 * Reliability in the tab: a browser configured with two daemons keeps working
 * when one refuses relay reservations (the daemon that served the app runs --no-relay-server),
 * and when its relay goes away and comes back it takes its slot again by itself, so other
 * browsers reach it once more.
 */
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { browserDialable } from '../../protocol/index.js'
import { waitFor } from '../node/harness.js'
import { AppPage } from './app-driver.js'
import { WebLab } from './lab.js'
import type { Chromium } from './chromium.js'
import type { NsDaemon } from '../node/netns.js'

const delivered = (s: string): boolean => s === 'delivered' || s === 'read'

/** The relays (peer ids) a page holds a slot on. */
async function relaysOf (page: AppPage): Promise<string[]> {
  return page.page.evaluate(() => {
    const addrs: string[] = (globalThis as any).ferryTab?.ferry.addresses() ?? []
    return [...new Set(addrs.filter(a => a.includes('/p2p-circuit')).map(a => a.split('/p2p-circuit')[0].split('/p2p/').at(-1) as string))]
  })
}

describe('web app with two daemons (one refuses relaying, one restarts)', function () {
  this.timeout(300_000)
  let lab: WebLab
  let dave: NsDaemon & { webUrl: string }
  let erin: NsDaemon & { webUrl: string }
  let erinId: string
  const browsers: Chromium[] = []
  let a: AppPage
  let b: AppPage
  let profileB: string

  before(async function () {
    lab = WebLab.setupOrSkip(this)
    dave = await lab.daemon('dave', ['--no-relay-server'])
    erin = await lab.daemon('erin')
    const id = await erin.json<{ peerId: string, addresses: string[] }>(['id'])
    erinId = id.peerId
    const erinAddr = id.addresses.find(a => browserDialable(multiaddr(a)) && a.includes('/ws/')) as string
    profileB = lab.profile()
    for (const profile of [lab.profile(), profileB]) browsers.push(await lab.browser(profile))
    ;[a, b] = await Promise.all(browsers.map(async br => new AppPage(await br.context.newPage()).open(dave.webUrl)))
    await a.createIdentity('alice')
    await b.createIdentity('bob')
    // each adds erin's daemon in Settings and reloads to use it
    for (const p of [a, b]) {
      await p.page.locator('[data-test=nav-settings]').click()
      await p.page.getByLabel('Daemon address').fill(erinAddr)
      await p.page.getByRole('button', { name: 'Add daemon' }).click()
      await p.page.getByRole('button', { name: 'Reload' }).click()
      await p.page.locator('[data-test=net]').waitFor()
    }
  })

  after(async () => {
    await lab?.destroy()
  })

  it('holds a relay slot on the daemon that relays, not on the one that refuses, and messages flow', async () => {
    const daveId = (await dave.json<{ peerId: string }>(['id'])).peerId
    for (const p of [a, b]) {
      await waitFor('a relay slot on erin', async () => (await relaysOf(p)).includes(erinId), 60_000)
      assert.ok(!(await relaysOf(p)).includes(daveId), 'no slot on the refusing daemon')
    }
    await a.addContact('bob', await b.invite())
    await b.addContact('alice', await a.invite())
    await a.openChat('bob')
    await a.send('through erin')
    await b.openChat('alice')
    await b.until('bob has it', ms => ms.some(m => m.text === 'through erin'))
    await a.until('alice sees it delivered', ms => ms.some(m => m.text === 'through erin' && delivered(m.status)))
  })

  it('takes its relay slot back when the relay restarts, and is reachable again', async () => {
    await erin.stop()
    await waitFor('bob lost his slot', async () => (await relaysOf(b)).length === 0, 60_000)
    // restart with the saved listen addresses (config.json): the same multiaddrs the browsers know
    await erin.start(['--no-mdns', '--web-port', '0'])
    await waitFor('bob holds a slot on erin again', async () => (await relaysOf(b)).includes(erinId), 90_000)
    await waitFor('alice holds a slot on erin again', async () => (await relaysOf(a)).includes(erinId), 90_000)

    // a fresh browser-to-browser connection needs the relay for signalling: reopen bob's profile
    await browsers[1].close()
    browsers[1] = await lab.browser(profileB)
    b = await new AppPage(await browsers[1].context.newPage()).open(dave.webUrl)
    await waitFor('bob holds a slot on erin after reopening', async () => (await relaysOf(b)).includes(erinId), 90_000)
    await a.send('after the restart')
    await b.openChat('alice')
    await b.until('bob has the new message', ms => ms.some(m => m.text === 'after the restart'), 90_000)
    await a.until('alice sees it delivered', ms => ms.some(m => m.text === 'after the restart' && delivered(m.status)), 90_000)
    assert.deepEqual([...a.errors, ...b.errors], [])
  })
})
