/**
 * Crash consistency of mailbox custody: a real `ferry start` host is killed
 * with SIGKILL at random moments while a sender deposits 2,000 envelopes, and restarted each
 * time. A custody receipt is signed only after the deposit's transaction committed, so every
 * receipted envelope must be there afterwards exactly once; the sender retries the rest (deposits
 * are idempotent by message id). The envelopes are opaque to the host, so random payloads stand
 * in for sealed ones; the owner reads them back with raw fetches.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { Envelope } from '../../protocol/index.js'
import { signCapability } from '../../protocol/mailbox/index.js'
import { rng } from '../dht-network.js'
import { cli, DaemonProcess, sleep, tempDir } from './harness.js'
import { befriend as befriendPeers, SqlitePeer } from './sqlite-peer.js'
import type { Connection } from '@libp2p/interface'
import { defaultCrypto } from '../../protocol/crypto/backend.js'

const DEPOSITS = 2_000
const MIN_KILLS = 50
const DAY = 86_400_000

describe('mailbox custody survives SIGKILL of the host', function () {
  this.timeout(15 * 60_000)
  const seed = Number(process.env.FERRY_SEED ?? Math.floor(Math.random() * 2 ** 31))
  let host: DaemonProcess
  const peers: SqlitePeer[] = []

  after(async () => {
    await host?.stop('SIGKILL')
    await Promise.all(peers.map(async p => p.remove()))
  })

  it(`every receipted deposit is fetched exactly once after ${MIN_KILLS}+ kills (seed ${seed})`, async () => {
    console.log(`      seed ${seed} (FERRY_SEED=${seed} replays the kill schedule)`)
    const random = rng(seed)
    const [sender, owner] = await Promise.all(['alice', 'bob'].map(async n => SqlitePeer.create(n)))
    peers.push(sender, owner)
    await Promise.all([sender.start(), owner.start()])
    await befriendPeers(sender, owner)
    const dir = tempDir('ferry-mbox-host-')
    assert.equal((await cli(['init', '--name', 'm', '--data-dir', dir])).code, 0)
    host = await new DaemonProcess(dir, 'm').start(['/ip4/127.0.0.1/tcp/0'])
    await host.api.post('/v1/contacts', { name: 'bob', target: await owner.node.roster.invite() })
    await host.api.post('/v1/mailbox/host', { name: 'bob' })
    const hostId = (await host.api.get<{ peerId: string }>('/v1/id')).peerId
    const now = Date.now()
    const capability = await signCapability(owner.identity, {
      ownerDevice: peerIdFromString(owner.peerId).toMultihash().bytes,
      sender: sender.identity.identityKey.publicKey.raw,
      hosts: [{ peerId: peerIdFromString(hostId).toMultihash().bytes, addrs: [] }],
      issuedAt: now,
      notAfter: now + DAY,
      quotaBytes: 64 * 1024 * 1024,
      quotaMessages: DEPOSITS
    }, defaultCrypto)
    const ownerDevice = peerIdFromString(owner.peerId).toMultihash().bytes
    const envelopes = Array.from({ length: DEPOSITS }, () => Envelope.encode({ version: 1, id: randomBytes(16), recipient: owner.identity.identityKey.publicKey.raw, recipientDevice: ownerDevice, created: now, expiresAt: now + DAY, payload: randomBytes(256) }))
    const idOf = (e: Uint8Array): string => Buffer.from(Envelope.decode(e).id).toString('hex')
    const receipted = new Map<string, number>()
    const pending = new Set(envelopes.keys())
    let kills = 0
    let attempts = 0
    let next = 0 // envelopes not yet offered
    const perWindow = Math.ceil(DEPOSITS / (MIN_KILLS + 5))
    const address = async (): Promise<string> => (await host.api.get<{ addresses: string[] }>('/v1/id')).addresses.find(a => a.includes('/tcp/')) as string

    const deadline = Date.now() + 12 * 60_000
    while (kills < MIN_KILLS || receipted.size < DEPOSITS) {
      assert.ok(Date.now() < deadline, `bounded: ${kills} kills, ${receipted.size} receipted`)
      if (!host.running) await host.start()
      const target = multiaddr(await address())
      // offer this window's new envelopes and everything not yet receipted, then kill mid-flight
      next = Math.min(DEPOSITS, next + perWindow)
      const offer = [...pending].filter(i => i < next)
      const killAfter = kills < MIN_KILLS ? Math.floor(random() * 120) : Infinity
      let connection: Connection
      try {
        connection = await sender.node.libp2p.dial(target, { signal: AbortSignal.timeout(5_000) })
      } catch { continue }
      const killer = killAfter === Infinity ? undefined : setTimeout(() => { host.proc?.kill('SIGKILL') }, killAfter)
      for (let i = 0; i < offer.length; i += 8) {
        const batch = offer.slice(i, i + 8)
        attempts += batch.length
        try {
          const answers = await sender.node.libp2p.services.mailbox.request(connection, batch.map(j => ({ deposit: { capability, deviceSignature: sender.identity.deviceSignature, envelope: envelopes[j] }, status: false })), { signal: AbortSignal.timeout(5_000) })
          answers.forEach((a, k) => {
            if (a.custody == null) return
            receipted.set(idOf(envelopes[batch[k]]), a.custody.storedAt)
            pending.delete(batch[k])
          })
        } catch { break } // the host died under us: unanswered deposits stay pending
      }
      if (killer != null) {
        // the window's deposits may all have been answered before the timer fired: kill now then
        clearTimeout(killer)
        host.proc?.kill('SIGKILL')
        await waitExit(host)
        kills++
      }
    }
    await host.stop('SIGKILL')
    kills++ // a last kill after the final receipts: they must survive it too
    await host.start()

    // the owner fetches everything, page by page
    const connection = await owner.node.libp2p.dial(multiaddr(await address()))
    const fetched: string[] = []
    let after = 0
    for (;;) {
      const [r] = await owner.node.libp2p.services.mailbox.request(connection, [{ fetch: { after, limit: 512 }, status: false }])
      assert.ok(r.page != null, r.refusal?.reason)
      fetched.push(...r.page.items.map(i => Buffer.from(Envelope.decode(i.envelope).id).toString('hex')))
      if (!r.page.more) break
      after = r.page.items[r.page.items.length - 1].cursor
    }
    const counts = new Map<string, number>()
    for (const id of fetched) counts.set(id, (counts.get(id) ?? 0) + 1)
    const lost = [...receipted.keys()].filter(id => !counts.has(id)).length
    const duplicated = [...counts.values()].filter(n => n > 1).length
    console.log(`      ${kills} kills, ${attempts} deposit attempts (${attempts - DEPOSITS} retries), ${receipted.size} receipted, ${fetched.length} fetched, lost ${lost}, duplicated ${duplicated}`)
    assert.ok(kills >= MIN_KILLS)
    assert.equal(receipted.size, DEPOSITS, 'the sender retried until every deposit had a receipt')
    assert.equal(lost, 0)
    assert.equal(duplicated, 0)
    assert.equal(fetched.length, DEPOSITS)
  })
})

async function waitExit (d: DaemonProcess): Promise<void> {
  const proc = d.proc
  if (proc == null) return
  if (proc.exitCode == null && proc.signalCode == null) {
    await Promise.race([new Promise(resolve => proc.once('exit', resolve)), sleep(10_000).then(() => { throw new Error('the host did not exit after SIGKILL') })])
  }
  d.proc = undefined
  await sleep(10)
}
