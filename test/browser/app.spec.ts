/**
 * The web app in real headless Chromium: two browser pages and a daemon in
 * the test's own network namespaces (NETWORK-TESTING.md recipe 3). Pages are driven through the
 * UI; screenshots of the main screens go to test-artifacts/.
 */
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { transportOf } from '../../protocol/index.js'
import { waitFor } from '../node/harness.js'
import { AppPage, screenshot } from './app-driver.js'
import { WebLab } from './lab.js'
import type { Chromium } from './chromium.js'
import type { NsDaemon } from '../node/netns.js'

const delivered = (s: string): boolean => s === 'delivered' || s === 'read'

describe('web app in Chromium', function () {
  this.timeout(300_000)
  let lab: WebLab
  let dave: NsDaemon & { webUrl: string }
  let browserA: Chromium
  let browserB: Chromium
  let a: AppPage
  let b: AppPage
  let profileB: string
  let peerA: string
  let peerB: string

  before(async function () {
    lab = WebLab.setupOrSkip(this)
    dave = await lab.daemon('dave')
    browserA = await lab.browser(lab.profile())
    profileB = lab.profile()
    browserB = await lab.browser(profileB)
    a = await new AppPage(await browserA.context.newPage()).open(dave.webUrl)
    b = await new AppPage(await browserB.context.newPage()).open(dave.webUrl)
  })

  after(async () => {
    await lab?.destroy()
  })

  it('creates identities in both pages and exchanges invites', async () => {
    await a.page.getByLabel('Your name').waitFor()
    await screenshot(a.page, '01-setup')
    await a.createIdentity('alice')
    await b.createIdentity('bob')
    await Promise.all([a.reachable(), b.reachable()])
    peerA = await a.peerId()
    peerB = await b.peerId()
    const inviteA = await a.invite()
    await screenshot(a.page, '02-invite')
    const inviteB = await b.invite()
    assert.match(inviteA, /^ferry:/)
    await a.addContact('bob', inviteB)
    await b.addContact('alice', inviteA)
    await a.page.locator('[data-test=chat] h2', { hasText: 'bob' }).waitFor()
  })

  it('exchanges 20 messages each way over a direct browser-to-browser WebRTC connection', async () => {
    await b.page.getByRole('button', { name: 'Conversations', exact: true }).click()
    await a.openChat('bob')
    for (let i = 1; i <= 20; i++) await a.send(`a→b ${i}`)
    // bob is not looking yet: the conversation list shows the unread count
    await waitFor('bob sees 20 unread', async () => (await b.page.locator('[data-test="unread-alice"]').textContent().catch(() => null)) === '20', 60_000)
    await screenshot(b.page, '03-conversation-list-unread')
    await b.openChat('alice')
    for (let i = 1; i <= 20; i++) await b.send(`b→a ${i}`)
    await b.until('bob has 20 from alice', ms => ms.filter(m => m.dir === 'in').length === 20)
    await b.until('bob shows his 20', ms => ms.filter(m => m.dir === 'out').length === 20, 10_000)
    await a.until('alice has 20 from bob', ms => ms.filter(m => m.dir === 'in').length === 20)
    await a.until('alice sees all 20 delivered', ms => ms.filter(m => m.dir === 'out' && delivered(m.status)).length === 20)
    await b.until('bob sees all 20 delivered', ms => ms.filter(m => m.dir === 'out' && delivered(m.status)).length === 20)
    // bob has the conversation open: his read receipts reach alice
    await a.until('alice sees bob read them', ms => ms.filter(m => m.dir === 'out' && m.status === 'read').length === 20)
    await screenshot(a.page, '04-conversation')

    const inA = (await a.messages()).filter(m => m.dir === 'in').map(m => m.text)
    assert.deepEqual(inA, Array.from({ length: 20 }, (_, i) => `b→a ${i + 1}`), 'in order, exactly once')
    const inB = (await b.messages()).filter(m => m.dir === 'in').map(m => m.text)
    assert.deepEqual(inB, Array.from({ length: 20 }, (_, i) => `a→b ${i + 1}`))
    // the conversation runs over WebRTC between the two browsers, not through the daemon's relay
    for (const [page, peer] of [[a, peerB], [b, peerA]] as const) {
      const dm = await page.dmTransports(peer)
      assert.ok(dm.length > 0, 'a /ferry/dm stream is open')
      for (const c of dm) {
        assert.equal(transportOf(multiaddr(c.addr)), 'webrtc', `dm over ${c.addr}`)
        assert.equal(c.limited, false, 'not a limited (relayed) connection')
      }
    }
    assert.equal(await a.page.locator('[data-test=via]').textContent(), 'via WebRTC (direct)')
  })

  it('shows and verifies the safety number', async () => {
    await a.page.locator('[data-test=open-safety]').click()
    const digitsA = (await a.page.locator('[data-test=safety-digits]').textContent())?.replace(/\s/g, '')
    await b.page.locator('[data-test=open-safety]').click()
    const digitsB = (await b.page.locator('[data-test=safety-digits]').textContent())?.replace(/\s/g, '')
    assert.ok(digitsA != null && /^\d{60}$/.test(digitsA), `60 digits: ${digitsA}`)
    assert.equal(digitsA, digitsB, 'both sides show the same number')
    await screenshot(a.page, '05-safety-number')
    await a.page.locator('[data-test=confirm-safety]').click()
    await a.page.locator('[data-test=verified-state]', { hasText: 'Verified' }).waitFor()
    await a.page.getByRole('button', { name: 'Back to the conversation' }).click()
    await b.page.getByRole('button', { name: 'Back to the conversation' }).click()
  })

  it('exchanges messages both ways with a daemon user on the CLI', async () => {
    // alice adds the daemon's user from the served config; dave adds alice's invite with the CLI
    await a.page.locator('[data-test=nav-add]').click()
    await a.page.locator('[data-test=add-daemon]').click()
    await a.page.locator('[data-test=add-submit]').click()
    await a.page.locator('[data-test=chat] h2', { hasText: 'dave' }).waitFor()
    const inviteA = await a.invite()
    assert.equal((await dave.run(['contact', 'add', 'alice', inviteA])).code, 0)
    await a.openChat('dave')
    await a.send('hello dave, from a browser')
    await waitFor('dave has alice\'s message', async () => (await dave.json<any[]>(['messages', 'alice'])).some(m => m.direction === 'in' && m.text === 'hello dave, from a browser'), 60_000)
    await a.until('alice sees it delivered', ms => ms.some(m => m.text === 'hello dave, from a browser' && delivered(m.status)))
    const sent = await dave.run(['send', 'alice', 'hello alice, from the CLI'])
    assert.equal(sent.code, 0, sent.stderr)
    await a.until('alice has dave\'s message', ms => ms.some(m => m.dir === 'in' && m.text === 'hello alice, from the CLI'))
    await waitFor('dave sees his message delivered', async () => (await dave.json<any[]>(['messages', 'alice'])).some(m => m.direction === 'out' && delivered(m.status)), 60_000)
  })

  it('delivers to a closed page through its mailbox on the daemon, exactly once, and the sender sees delivered', async () => {
    // bob keeps his mail at dave's daemon: bob adds dave, dave agrees to host bob, bob uses it
    await b.page.locator('[data-test=nav-add]').click()
    await b.page.locator('[data-test=add-daemon]').click()
    await b.page.locator('[data-test=add-submit]').click()
    await b.page.locator('[data-test=chat] h2', { hasText: 'dave' }).waitFor()
    assert.equal((await dave.run(['contact', 'add', 'bob', await b.invite()])).code, 0)
    const hosted = await dave.run(['mailbox', 'host', 'bob'])
    assert.equal(hosted.code, 0, hosted.stderr)
    await b.page.locator('[data-test=nav-settings]').click()
    await b.page.locator('[data-test="mailbox-dave"]').check()
    await screenshot(b.page, '06-settings')
    // alice holds bob's capability to deposit at dave's (a control message from bob)
    await waitFor('alice holds bob\'s mailbox capability', async () => a.page.evaluate(async (p) => (await (globalThis as any).ferryTab.stores.messages.capability(p)) != null, peerB), 60_000)

    await browserB.close()
    await waitFor('alice sees bob gone', async () => (await a.dmTransports(peerB)).length === 0, 60_000)
    await a.openChat('bob')
    const texts = Array.from({ length: 5 }, (_, i) => `while you were away ${i + 1}`)
    for (const t of texts) await a.send(t)
    await a.until('alice sees all 5 stored at a mailbox', ms => texts.every(t => ms.some(m => m.text === t && m.status === 'stored' && m.state === 'stored at 1 mailbox')), 90_000)
    await screenshot(a.page, '07-stored-at-mailbox')

    browserB = await lab.browser(profileB)
    b = await new AppPage(await browserB.context.newPage()).open(dave.webUrl)
    assert.equal(await b.peerId(), peerB, 'same identity after reopening')
    await b.openChat('alice')
    await b.until('bob has the 5 messages', ms => texts.every(t => ms.some(m => m.text === t)), 90_000)
    const shown = (await b.messages()).filter(m => texts.includes(m.text)).map(m => m.text)
    assert.deepEqual(shown, texts, 'each exactly once, in order')
    await a.until('alice sees all 5 delivered', ms => texts.every(t => ms.some(m => m.text === t && delivered(m.status))), 120_000)
  })

  it('keeps history, contacts and keys across a reload, with nothing secret readable in IndexedDB', async () => {
    const before = await a.messages()
    await a.page.reload()
    await a.page.locator('[data-test=net]').waitFor()
    assert.equal(await a.peerId(), peerA, 'same keys')
    await a.openChat('bob')
    await a.until('history survived', ms => ms.length === before.length)
    assert.deepEqual((await a.messages()).map(m => m.text), before.map(m => m.text))
    assert.ok(await a.page.locator('[data-test="contact-dave"]').count() > 0, 'contacts survived')

    const dump = await a.page.evaluate(async () => {
      const indexedDB = (globalThis as any).indexedDB
      const tab = (globalThis as any).ferryTab
      const secrets = [tab.ferry.identity.identityKey.raw, tab.ferry.identity.deviceKey.raw].map((k: Uint8Array) => Array.from(k.subarray(0, 32)))
      const dbs = await indexedDB.databases()
      const records: string[] = []
      const bytesOf = (v: any, out: number[][]): void => {
        if (v instanceof Uint8Array || v instanceof ArrayBuffer) out.push(Array.from(new Uint8Array(v instanceof ArrayBuffer ? v : v.buffer, (v as any).byteOffset ?? 0, v.byteLength)))
        else if (v != null && typeof v === 'object' && v.constructor?.name !== 'CryptoKey') for (const x of Object.values(v)) bytesOf(x, out)
      }
      const blobs: number[][] = []
      for (const { name } of dbs) {
        if (name == null) continue
        const db: any = await new Promise((resolve, reject) => { const r = indexedDB.open(name); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error) })
        for (const store of Array.from(db.objectStoreNames as ArrayLike<string>)) {
          const all: any[] = await new Promise((resolve, reject) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error) })
          for (const v of all) {
            records.push(JSON.stringify(v, (_k, x) => x instanceof Uint8Array ? Array.from(x) : x))
            bytesOf(v, blobs)
          }
        }
        db.close()
      }
      const text = new TextDecoder('utf-8', { fatal: false })
      const found = (needle: number[]): boolean => blobs.some(b => { for (let i = 0; i + needle.length <= b.length; i++) if (needle.every((x, j) => b[i + j] === x)) return true; return false })
      return { records: records.length, json: records.join('\n'), decoded: blobs.map(b => text.decode(new Uint8Array(b))).join('\n'), keysFound: secrets.map(found) }
    })
    assert.ok(dump.records > 20, `IndexedDB holds the data (${dump.records} records)`)
    for (const secret of ['a→b 7', 'b→a 7', 'while you were away 3', 'hello dave, from a browser']) {
      assert.ok(!dump.json.includes(secret) && !dump.decoded.includes(secret), `"${secret}" is not readable in IndexedDB`)
    }
    assert.deepEqual(dump.keysFound, [false, false], 'identity and device private keys are not stored in the clear')
  })

  it('runs a disappearing-message timer: both sides count down and delete the message when it is up', async () => {
    await a.openChat('bob')
    await b.openChat('alice')
    await a.page.locator('[data-test=timer]').selectOption({ label: 'after 30 seconds' })
    await a.send('gone in 30 seconds')
    await waitFor('the countdown on alice\'s side', async () => await a.page.locator('[data-test=message]', { hasText: 'gone in 30 seconds' }).locator('[data-test=disappears]').count() === 1, 10_000)
    await b.until('bob has it', ms => ms.some(m => m.text === 'gone in 30 seconds'))
    assert.match(await b.page.locator('[data-test=message]', { hasText: 'gone in 30 seconds' }).locator('[data-test=disappears]').textContent() ?? '', /disappears in \d+s/)
    await screenshot(b.page, '10-disappearing')
    await a.until('gone from alice', ms => !ms.some(m => m.text === 'gone in 30 seconds'), 60_000)
    await b.until('gone from bob', ms => !ms.some(m => m.text === 'gone in 30 seconds'), 60_000)
    await a.page.locator('[data-test=timer]').selectOption({ label: 'off' })
  })

  it('refuses bad input with a clear message and keeps working', async () => {
    await a.addContact('mallory', 'ferry://not-an-invite')
    await waitFor('an error for the malformed invite', async () => (await a.error()) != null)
    assert.match(await a.error() ?? '', /invite/i)
    await screenshot(a.page, '08-bad-invite')
    await a.openChat('bob')
    await a.send('   ')
    await waitFor('an error for the empty message', async () => /empty/i.test(await a.error() ?? ''))
    await a.page.locator('[data-test=compose]').fill('x'.repeat(70 * 1024))
    await a.page.locator('[data-test=send]').click()
    await waitFor('an error for the long message', async () => /too long/i.test(await a.error() ?? ''))
    await screenshot(a.page, '09-too-long')
    const count = (await a.messages()).length
    await a.send('still working')
    await a.until('the next message goes out', ms => ms.length === count + 1 && ms.at(-1)?.text === 'still working')
    await b.until('and arrives', ms => ms.some(m => m.text === 'still working'))
    // keyboard: Escape leaves the conversation for the list
    await a.page.locator('[data-test=compose]').press('Escape')
    await a.page.locator('[data-test=conversations]').waitFor({ state: 'visible', timeout: 5_000 })
    assert.deepEqual([...a.errors, ...b.errors], [], 'no uncaught errors in the pages')
  })
})
