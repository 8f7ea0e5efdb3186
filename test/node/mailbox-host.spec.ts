/**
 * The host side of `/ferry/mailbox/1.0.0` driven with hand-made deposits: who may deposit, fetch
 * and ack; quotas; expiry with an injected clock. Real libp2p over TCP loopback, real SQLite.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { Envelope, MAX_TTL_MS, MIN_TTL_MS } from '../../protocol/index.js'
import { MAILBOX_PROTOCOL, Refusal, signCapability } from '../../protocol/mailbox/index.js'
import { MAX_TIMER_MS, setLongTimeout } from '../../protocol/util/timers.js'
import { befriend, mailboxesFor, runningPeers, SqlitePeer, until } from './sqlite-peer.js'
import type { Capability, Request, Response } from '../../protocol/mailbox/index.js'
import type { FerryOptions } from '../../protocol/index.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'

const DAY = 86_400_000

/** An envelope for `owner` as a sender would seal it (the host never sees inside the payload). */
function envelopeFor (owner: SqlitePeer, created: number, expiresAt: number, payload = randomBytes(256)): Uint8Array {
  return Envelope.encode({ version: 1, id: randomBytes(16), recipient: owner.identity.identityKey.publicKey.raw, recipientDevice: peerIdFromString(owner.peerId).toMultihash().bytes, created, expiresAt, payload })
}

async function capabilityFor (owner: SqlitePeer, sender: SqlitePeer, hosts: SqlitePeer[], now: number, over: Partial<Capability> = {}): Promise<Uint8Array> {
  return signCapability(owner.identity, {
    ownerDevice: peerIdFromString(owner.peerId).toMultihash().bytes,
    sender: sender.identity.identityKey.publicKey.raw,
    hosts: hosts.map(h => ({ peerId: peerIdFromString(h.peerId).toMultihash().bytes, addrs: [] })),
    issuedAt: now,
    notAfter: now + DAY,
    quotaBytes: 1024 * 1024,
    quotaMessages: 1000,
    ...over
  }, defaultCrypto)
}

async function ask (from: SqlitePeer, host: SqlitePeer, requests: Array<Partial<Request>>): Promise<Response[]> {
  const connection = await from.node.libp2p.dial(host.node.libp2p.getMultiaddrs()[0])
  return from.node.libp2p.services.mailbox.request(connection, requests)
}

async function deposit (from: SqlitePeer, host: SqlitePeer, capability: Uint8Array, envelopes: Uint8Array[], deviceSignature = from.identity.deviceSignature): Promise<Response[]> {
  return ask(from, host, envelopes.map(envelope => ({ deposit: { capability, deviceSignature, envelope }, status: false })))
}

const refusals = (answers: Response[]): Array<Refusal.Code | 'custody'> => answers.map(a => a.custody != null ? 'custody' : a.refusal?.code as Refusal.Code)

describe('mailbox host', function () {
  this.timeout(120_000)
  // the peers' clock: real time plus what a test skipped ahead
  let skipped = 0
  const now = (): number => Date.now() + skipped
  const peer = runningPeers({ now }, afterEach)

  /** owner B, host M hosting B, sender A (a contact of B), and a stranger S */
  async function cast (hostOptions: Partial<FerryOptions> = {}): Promise<Record<'a' | 'b' | 'm' | 's', SqlitePeer>> {
    skipped = 0
    const [a, b, m, s] = await Promise.all([peer('alice'), peer('bob'), peer('m', hostOptions), peer('stranger')])
    await befriend(a, b)
    await befriend(b, m)
    await m.node.needMailboxes().host('bob')
    return { a, b, m, s }
  }

  const held = async (m: SqlitePeer): Promise<number> => (await m.node.needMailboxes().status()).hosting[0]?.messages ?? 0

  it('holds each depositing peer to its deposit rate (a token bucket): the burst goes in, the rest is refused RATE', async () => {
    // the policy is made small so the flood is quick; the production default is 500/s, burst 5,000
    const { a, b, m } = await cast({ mailbox: { policy: { depositsPerSecond: 1, burst: 10 } } })
    const clock = now()
    const cap = await capabilityFor(b, a, [m], clock)
    const answers = await deposit(a, m, cap, Array.from({ length: 25 }, () => envelopeFor(b, clock, clock + DAY)))
    assert.deepEqual(refusals(answers), [...Array(10).fill('custody'), ...Array(15).fill(Refusal.Code.RATE)])
    assert.equal(await held(m), 10)
  })

  it('a capability scoped to a room admits that room\'s group mail only: no direct message, no other room\'s mail', async () => {
    const { a, b, m } = await cast()
    const clock = now()
    const room = randomBytes(32)
    const U = Refusal.Code.UNAUTHORIZED
    const marked = (group?: Uint8Array): Uint8Array => Envelope.encode({ ...Envelope.decode(envelopeFor(b, clock, clock + DAY)), ...(group != null && { group }) })
    const scoped = await capabilityFor(b, a, [m], clock, { group: room })
    assert.deepEqual(refusals(await deposit(a, m, scoped, [marked(), marked(randomBytes(32)), marked(room)])), [U, U, 'custody'])
    // a contact's capability (not scoped) takes both kinds
    assert.deepEqual(refusals(await deposit(a, m, await capabilityFor(b, a, [m], clock), [marked(), marked(room)])), ['custody', 'custody'])
    // a room id that is not 32 bytes, in the capability or in the envelope
    assert.deepEqual(refusals(await deposit(a, m, await capabilityFor(b, a, [m], clock, { group: randomBytes(5) }), [marked(room)])), [U])
    assert.deepEqual(refusals(await deposit(a, m, scoped, [marked(room.subarray(0, 31))])), [U])
    assert.equal(await held(m), 3)
  })

  it('refuses strangers, forged, expired, revoked and misplaced capabilities before storing anything', async () => {
    const { a, b, m, s } = await cast()
    const clock = now()
    const env = (): Uint8Array => envelopeFor(b, clock, clock + DAY)
    const good = await capabilityFor(b, a, [m], clock)
    const U = Refusal.Code.UNAUTHORIZED
    // a stranger with no capability, with alice's capability (its device is not alice's), and with alice's device certificate
    assert.deepEqual(refusals(await deposit(s, m, new Uint8Array(40), [env()])), [U])
    assert.deepEqual(refusals(await deposit(s, m, good, [env()])), [U])
    assert.deepEqual(refusals(await deposit(s, m, good, [env()], a.identity.deviceSignature)), [U])
    // a capability bob did not sign: alice signs one naming bob's device; a flipped signature bit
    const selfMade = await signCapability(a.identity, { ownerDevice: peerIdFromString(b.peerId).toMultihash().bytes, sender: a.identity.identityKey.publicKey.raw, hosts: [{ peerId: peerIdFromString(m.peerId).toMultihash().bytes, addrs: [] }], issuedAt: clock, notAfter: clock + DAY, quotaBytes: 1e6, quotaMessages: 100 }, defaultCrypto)
    const flipped = good.slice()
    flipped[flipped.length - 3] ^= 1
    assert.deepEqual(refusals(await deposit(a, m, selfMade, [env()])), [U])
    assert.deepEqual(refusals(await deposit(a, m, flipped, [env()])), [U])
    // expired, not naming this host, for an owner this host does not serve
    assert.deepEqual(refusals(await deposit(a, m, await capabilityFor(b, a, [m], clock - 2 * DAY, { notAfter: clock - 1 }), [env()])), [U])
    assert.deepEqual(refusals(await deposit(a, m, await capabilityFor(b, a, [s], clock), [env()])), [U])
    assert.deepEqual(refusals(await deposit(b, m, await capabilityFor(a, b, [m], clock), [envelopeFor(a, clock, clock + DAY)])), [U])
    // an envelope for someone other than the capability's owner
    assert.deepEqual(refusals(await deposit(a, m, good, [envelopeFor(a, clock, clock + DAY)])), [Refusal.Code.MALFORMED])
    assert.equal(await held(m), 0, 'nothing stored')

    // the good one works; after bob revokes alice it does not, and a capability issued later does
    assert.deepEqual(refusals(await deposit(a, m, good, [env()])), ['custody'])
    assert.equal(await held(m), 1)
    await b.node.useMailboxes(['m'])
    skipped += 1000
    assert.equal(await b.node.needMailboxes().revoke('alice'), 1)
    assert.deepEqual(refusals(await deposit(a, m, good, [env()])), [U])
    assert.equal(await b.node.mailboxes?.offerCapabilities(), 0, 'the periodic offer does not hand alice a new capability')
    skipped += 1000
    assert.deepEqual(refusals(await deposit(a, m, await capabilityFor(b, a, [m], now()), [env()])), ['custody'])
  })

  it('serves fetch, ack and status to the owner only; others learn nothing', async () => {
    const { a, b, m, s } = await cast()
    const clock = now()
    const envelopes = [envelopeFor(b, clock, clock + DAY), envelopeFor(b, clock, clock + DAY)]
    assert.deepEqual(refusals(await deposit(a, m, await capabilityFor(b, a, [m], clock), envelopes)), ['custody', 'custody'])
    for (const other of [a, s]) {
      const answers = await ask(other, m, [{ fetch: { after: 0, limit: 10 }, status: false }, { ack: { ids: [Envelope.decode(envelopes[0]).id], depositors: [peerIdFromString(a.peerId).toMultihash().bytes], receipts: [] }, status: false }, { status: true }])
      assert.deepEqual(refusals(answers), [Refusal.Code.UNAUTHORIZED, Refusal.Code.UNAUTHORIZED, Refusal.Code.UNAUTHORIZED])
      assert.ok(answers.every(x => x.page == null && x.usage == null && x.deleted == null))
    }
    assert.equal(await held(m), 2, 'an ack by another peer deleted nothing')
    const [page] = await ask(b, m, [{ fetch: { after: 0, limit: 10 }, status: false }])
    assert.deepEqual(page.page?.items.map(i => Buffer.from(i.envelope).toString('hex')), envelopes.map(e => Buffer.from(e).toString('hex')))
    assert.equal(peerIdFromMultihash(Digest.decode(page.page?.items[0].depositor ?? new Uint8Array(0))).toString(), a.peerId, 'the host says who deposited')
  })

  it('garbage, oversized frames and oversized batches on /ferry/mailbox are refused; the host keeps serving', async () => {
    const { a, b, m } = await cast()
    for (const junk of [randomBytes(64), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])]) {
      const stream = await (await a.node.libp2p.dial(m.node.libp2p.getMultiaddrs()[0])).newStream(MAILBOX_PROTOCOL)
      stream.send(junk)
      await stream.close().catch(() => {})
    }
    const clock = now()
    const cap = await capabilityFor(b, a, [m], clock)
    const deposit = { capability: cap, deviceSignature: a.identity.deviceSignature, envelope: envelopeFor(b, clock, clock + DAY) }
    const [tooMany] = await ask(a, m, [{ deposits: Array(257).fill(deposit) }])
    assert.equal(tooMany.refusal?.code, Refusal.Code.MALFORMED)
    assert.equal(await held(m), 0)
    const [batch] = await ask(a, m, [{ deposits: [deposit, { ...deposit, envelope: randomBytes(300) }] }])
    assert.deepEqual(batch.answers.map(x => x.custody != null ? 'custody' : x.refusal?.code), ['custody', Refusal.Code.MALFORMED])
    assert.equal(await held(m), 1)
  })

  it('deposits are idempotent by message id: a retry gets a receipt, the owner gets one copy', async () => {
    const { a, b, m } = await cast()
    const clock = now()
    const cap = await capabilityFor(b, a, [m], clock)
    const e = envelopeFor(b, clock, clock + DAY)
    const [first] = await deposit(a, m, cap, [e])
    const [again] = await deposit(a, m, cap, [e])
    assert.ok(first.custody != null && again.custody != null)
    assert.equal(again.custody.storedAt, first.custody.storedAt)
    assert.equal(await held(m), 1)
  })

  it('a contact flooding at 100x its quota is refused past it, another contact still deposits, disk use stays under the cap', async () => {
    const cap = 40 * 1024 // the host's disk cap for all mail, bytes
    const { a, b, m } = await cast({ mailbox: { policy: { totalBytes: cap } } })
    const c = await peer('carol')
    await befriend(c, b)
    const clock = now()
    const quota = 20
    const flood = await capabilityFor(b, a, [m], clock, { quotaMessages: quota })
    let receipts = 0
    const codes = new Set<string>()
    for (let round = 0; round < 10; round++) { // 100 x 20 = 2,000 deposits
      const answers = await deposit(a, m, flood, Array.from({ length: 200 }, () => envelopeFor(b, clock, clock + DAY)))
      receipts += answers.filter(x => x.custody != null).length
      for (const x of answers) if (x.refusal != null) codes.add(`${x.refusal.code}: ${x.refusal.reason}`)
    }
    assert.equal(receipts, quota, 'no false receipt past the quota')
    assert.deepEqual([...codes], [`${Refusal.Code.QUOTA}: your quota at this mailbox is ${quota} messages`])
    assert.equal(await held(m), quota)
    const fromCarol = await deposit(c, m, await capabilityFor(b, c, [m], clock), Array.from({ length: 10 }, () => envelopeFor(b, clock, clock + DAY)))
    assert.deepEqual(refusals(fromCarol), Array(10).fill('custody'))
    // fill to the disk cap with carol's 1 KiB envelopes: refused once the cap would be passed
    const big = await deposit(c, m, await capabilityFor(b, c, [m], clock), Array.from({ length: 60 }, () => envelopeFor(b, clock, clock + DAY, randomBytes(1024))))
    assert.ok(big.some(x => x.refusal?.code === Refusal.Code.QUOTA && x.refusal.reason.includes('no room')), 'the disk cap refuses')
    const row = m.db?.prepare('SELECT SUM(length(envelope)) AS bytes FROM mailbox_items').get() as { bytes: number }
    assert.ok(Number(row.bytes) <= cap, `stored ${row.bytes} bytes under a cap of ${cap}`)
  })

  it('a sender whose first mailbox is full deposits at the next ones', async () => {
    skipped = 0
    const [a, b, m1, m2, m3] = await Promise.all(['alice', 'bob', 'm1', 'm2', 'm3'].map(async n => peer(n, { mailbox: { graceMs: 100 } })))
    await befriend(a, b)
    for (const m of [m1, m2, m3]) { await befriend(b, m); await m.node.needMailboxes().host('bob', m === m1 ? { quotaMessages: 1 } : {}) }
    await b.node.useMailboxes(['m1', 'm2', 'm3'])
    await until('alice holds a capability', async () => await a.node['stores'].messages.capability(b.peerId) != null)
    // fill m1 (one message) from carol-less bob's own capability: a deposit by alice fills it
    await b.stop()
    await a.node.conversations.send('bob', 'first')
    await until('first stored at 2', async () => (await a.node.conversations.history()).some(x => x.text === 'first' && x.mailboxes?.length === 2))
    await a.node.conversations.send('bob', 'second')
    await until('second stored at 2', async () => (await a.node.conversations.history()).some(x => x.text === 'second' && x.mailboxes?.length === 2))
    const second = (await a.node.conversations.history()).find(x => x.text === 'second')
    assert.deepEqual(second?.mailboxes?.map(x => x.host).sort(), [m2.peerId, m3.peerId].sort(), 'm1 (full) was skipped for m3')
  })

  it('enforces TTL bounds at the host with an injected clock (min-1, min, max, max+1, past, host cap, > 2^31-1 ms)', async () => {
    const { a, b, m } = await cast()
    const clock = now()
    const cap = await capabilityFor(b, a, [m], clock, { notAfter: clock + 40 * DAY })
    const at = (ttl: number, created = clock): Uint8Array => envelopeFor(b, created, created + ttl)
    const P = Refusal.Code.POLICY
    assert.deepEqual(refusals(await deposit(a, m, cap, [at(MIN_TTL_MS - 1), at(MIN_TTL_MS), at(MAX_TTL_MS), at(MAX_TTL_MS + 1)])), [P, 'custody', 'custody', P])
    assert.deepEqual(refusals(await deposit(a, m, cap, [at(MIN_TTL_MS, clock - MIN_TTL_MS - 1)])), [Refusal.Code.EXPIRED])
    const long = at(MAX_TIMER_MS + 5_000) // past what setTimeout can wait for
    assert.deepEqual(refusals(await deposit(a, m, cap, [long])), ['custody'])
    await m.node.needMailboxes().host('bob', { maxTtlMs: DAY })
    assert.deepEqual(refusals(await deposit(a, m, cap, [at(DAY + 1000), at(DAY - 1000)])), [P, 'custody'])
    // the expiry sweep armed for > 2^31-1 ms did not fire early
    await new Promise(resolve => setTimeout(resolve, 300))
    assert.equal(await held(m), 4)
    // time passes: each is swept at its expiry and never served after it
    skipped += DAY
    assert.equal(await m.node.libp2p.services.mailbox.sweep(), 2)
    const [page] = await ask(b, m, [{ fetch: { after: 0, limit: 10 }, status: false }])
    assert.equal(page.page?.items.length, 2)
    skipped += MAX_TTL_MS
    assert.equal(await m.node.libp2p.services.mailbox.sweep(), 2)
    const [rest] = await ask(b, m, [{ fetch: { after: 0, limit: 10 }, status: false }])
    assert.equal(rest.page?.items.length, 0)
  })

  it('a long timeout waits past 2^31-1 ms (setTimeout alone fires at once)', async () => {
    let fired = false
    const t = setLongTimeout(() => { fired = true }, MAX_TIMER_MS + 1000)
    await new Promise(resolve => setTimeout(resolve, 200))
    t.clear()
    assert.equal(fired, false)
    let soon = false
    setLongTimeout(() => { soon = true }, 20)
    await until('a short long-timeout fires', () => soon, 2000)
  })

  it('mail expiring while the owner is offline is never delivered and its bytes leave the host\'s SQLite file and WAL', async () => {
    skipped = 0
    const [a, b, m] = await Promise.all(['alice', 'bob', 'm'].map(async n => peer(n, { mailbox: { graceMs: 100 } })))
    await mailboxesFor(a, b, [m])
    await b.stop()
    const sent = await a.node.conversations.send('bob', 'gone in ten seconds', { ttlMs: MIN_TTL_MS })
    await until('stored at the mailbox', async () => (await a.node.conversations.history()).some(x => x.id === sent.id && x.status === 'stored'))
    const [queued] = await a.node['stores'].messages.queued(b.peerId, { status: 'stored' })
    const ciphertext = Buffer.from(Envelope.decode(queued.envelope).payload.subarray(32, 96))
    const files = async (p: SqlitePeer): Promise<Buffer> => Buffer.concat(await Promise.all(['', '-wal'].map(async x => readFile(p.path + x).catch(() => Buffer.alloc(0)))))
    assert.ok((await files(m)).includes(ciphertext), 'the host holds the ciphertext before expiry (the search works)')

    skipped += MIN_TTL_MS + 1
    assert.equal(await m.node.libp2p.services.mailbox.sweep(), 1)
    await a.node.sweepExpired()
    assert.equal((await a.node.conversations.history()).some(x => x.id === sent.id), false, 'a disappearing message vanishes at the sender too')
    assert.equal((await files(m)).includes(ciphertext), false, 'no trace in the host\'s database or WAL')
    assert.equal((await files(a)).includes(ciphertext), false, 'no trace in the sender\'s database or WAL')

    await b.start()
    await b.node.collectMail()
    assert.deepEqual((await b.node.conversations.history()).filter(x => x.direction === 'in'), [])
  })
})
