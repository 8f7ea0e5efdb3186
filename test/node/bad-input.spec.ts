/**
 * Bad input gets a clear error and never crashes the daemon — through the
 * CLI, the control API, and raw bytes on /ferry/dm/1.0.0 from a real libp2p peer over TCP.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { readFileSync, rmSync } from 'node:fs'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { createBundle, createIdentity, createInvite, defaultCrypto, DM_PROTOCOL, Envelope, generatePrekeys, MemoryPrekeyStore, parseInvite, sealEnvelope, Sessions } from '../../protocol/index.js'
import type { Identity } from '../../protocol/index.js'
import { DmReply } from '../../protocol/services/dm/pb/dm.js'
import { DeliveryReceipt } from '../../protocol/receipts/pb/receipt.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { cli, startDaemons, stopAll, tempDir, waitFor } from './harness.js'
import type { DaemonProcess } from './harness.js'
import type { Libp2p, Stream } from '@libp2p/interface'

describe('bad input', function () {
  this.timeout(120_000)
  let alice: DaemonProcess
  let raw: Libp2p
  // the raw peer speaks Ferry's protocols by hand: its own identity, prekeys and sessions
  let me: Identity
  let sessions: Sessions
  let aliceBundle: Uint8Array
  const records = new Map<string, Uint8Array>()

  before(async () => {
    [alice] = await startDaemons('alice')
    aliceId = (await alice.api.get('/v1/id')).peerId
    me = await createIdentity()
    const prekeys = new MemoryPrekeyStore()
    await generatePrekeys(defaultCrypto, me, prekeys, { oneTime: 0 })
    sessions = new Sessions({ crypto: defaultCrypto, me, prekeys, load: async peer => records.get(peer) })
    raw = await createLibp2p({ privateKey: me.deviceKey, addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    await raw.start()
    const invite = await createInvite(me, raw.getMultiaddrs().map(a => a.decapsulateCode(421)), { now: Date.now(), bundle: await createBundle(defaultCrypto, me, prekeys, { withOneTime: false }) })
    // the raw peer becomes a contact (by invite), so its messages show with a name
    await alice.api.post('/v1/contacts', { name: 'raw', target: invite })
    aliceBundle = (await parseInvite((await alice.api.get('/v1/invite')).invite, Date.now(), defaultCrypto)).bundle
  })

  after(async () => {
    await raw?.stop()
    await stopAll([alice].filter(Boolean))
  })

  async function dmStream (): Promise<Stream> {
    const addr = (await alice.api.get('/v1/id')).addresses.find((a: string) => a.includes('/tcp/'))
    const conn = await raw.dial(multiaddr(addr))
    return conn.newStream(DM_PROTOCOL)
  }

  /** A properly sealed envelope from the raw peer to alice (a session record is kept like a node would). */
  async function envelope (text: string, id = crypto.getRandomValues(new Uint8Array(16))): Promise<Uint8Array> {
    const fields = { id, recipient: new Uint8Array(0), recipientDevice: peerIdFromString(aliceId).toMultihash().bytes, created: Date.now(), expiresAt: Date.now() + 60_000 }
    const content = { sender: me.identityKey.publicKey.raw, senderDevice: raw.peerId.toMultihash().bytes, deviceSignature: me.deviceSignature, text, sentAt: Date.now() }
    const { envelope, record } = await sessions.serialize(aliceId, async () => sealEnvelope(sessions, aliceId, fields, content, aliceBundle))
    records.set(aliceId, record)
    return envelope
  }
  let aliceId = ''

  async function assertAlive (): Promise<void> {
    assert.ok(alice.running, `daemon still running (log: ${alice.log.slice(-500)})`)
    await alice.api.get('/v1/status')
  }

  it('CLI: unknown contact, malformed invite or multiaddr, empty and oversized text', async () => {
    const d = ['--data-dir', alice.dir]
    const cases: Array<[string[], RegExp]> = [
      [['send', 'nobody', 'hi', ...d], /no contact named "nobody"/],
      [['contact', 'add', 'x', 'not-an-invite', ...d], /neither a Ferry invite .* nor a multiaddr/],
      [['contact', 'add', 'x', 'ferry://invite/AAAA', ...d], /truncated or corrupted/],
      [['contact', 'add', 'x', '/ip4/127.0.0.1/tcp/99999', ...d], /malformed multiaddr/],
      [['contact', 'add', 'x', '/ip4/127.0.0.1/tcp/4001', ...d], /must end in \/p2p\//],
      [['contact', 'add', 'bad name!', '/ip4/127.0.0.1/tcp/4001', ...d], /contact name/],
      [['send', 'raw', '', ...d], /empty/],
      [['send', 'raw', 'x'.repeat(64 * 1024 + 1), ...d], /65537 bytes; the limit is 65536/],
      [['frobnicate', ...d], /unknown command/]
    ]
    for (const [args, message] of cases) {
      const r = await cli(args)
      assert.notEqual(r.code, 0, `${args.slice(0, 3).join(' ')} should fail`)
      assert.match(r.stderr, message)
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one-line reason')
    }
    const ok = await cli(['send', 'raw', 'x'.repeat(64 * 1024), ...d])
    assert.equal(ok.code, 0, `exactly 64 KiB is accepted: ${ok.stderr}`)
    await assertAlive()
  })

  it('CLI without a running daemon says so; a wrong API token is refused', async () => {
    const empty = tempDir()
    const r = await cli(['status', '--data-dir', empty])
    rmSync(empty, { recursive: true, force: true })
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /no Ferry daemon is running/)
    const res = await fetch(`http://127.0.0.1:${alice.apiFile().port}/v1/status`, { headers: { authorization: 'Bearer wrong' } })
    assert.equal(res.status, 401)
    const none = await fetch(`http://127.0.0.1:${alice.apiFile().port}/v1/messages`)
    assert.equal(none.status, 401)
    await assertAlive()
  })

  it('a request body over 1 MiB is refused with 413 before it is buffered whole', async () => {
    const token = readFileSync(join(alice.dir, 'api-token'), 'utf8').trim()
    const res = await fetch(`http://127.0.0.1:${alice.apiFile().port}/v1/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ contact: 'x', text: 'y'.repeat(2 * 1024 * 1024) }) }).catch((err: Error) => err)
    // the server answers 413 and closes; a client still writing may see the connection reset instead
    if (res instanceof Error) assert.match(String(res.cause ?? res), /ECONNRESET|EPIPE|other side closed|fetch failed/)
    else assert.equal(res.status, 413)
    await new Promise(resolve => setTimeout(resolve, 1_000))
    assert.ok(alice.running, `the daemon is alive: ${alice.log.slice(-600)}`)
    await assertAlive()
  })

  it('garbage bytes and truncated frames on /ferry/dm/1.0.0 do not crash the daemon or store anything', async () => {
    const before = (await alice.messages()).length
    // 1. a well-framed protobuf-garbage frame gets a MALFORMED reply
    const s1 = await dmStream()
    const lp = lpStream(s1)
    await lp.write(crypto.getRandomValues(new Uint8Array(300)).map((b, i) => i === 0 ? 0xff : b))
    const reply = DmReply.decode(await lp.read())
    assert.ok(reply.rejection != null && reply.receipt == null, 'garbage is rejected, never receipted')
    await s1.close()
    // 2. a frame whose length prefix claims more than the cap: the stream is reset
    const s2 = await dmStream()
    s2.send(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]))
    await waitFor('oversized frame stream reset', () => s2.status !== 'open', 10_000)
    // 3. a truncated frame: length says 1000, 10 bytes follow, then the stream closes
    const s3 = await dmStream()
    s3.send(Uint8Array.from([0xe8, 0x07, ...new Uint8Array(10)]))
    await s3.close()
    // 4. raw random bytes with no framing at all
    const s4 = await dmStream()
    s4.send(crypto.getRandomValues(new Uint8Array(4096)))
    await s4.close().catch(() => {})
    await assertAlive()
    assert.equal((await alice.messages()).length, before, 'nothing stored from garbage')
  })

  it('a replayed envelope is acknowledged again but stored once', async () => {
    const env = await envelope('replayed once')
    const s = await dmStream()
    const lp = lpStream(s)
    await lp.write(env)
    const first = DmReply.decode(await lp.read())
    await lp.write(env)
    const second = DmReply.decode(await lp.read())
    assert.ok(first.receipt != null && second.receipt != null, 'both answered with a receipt')
    assert.equal(DeliveryReceipt.decode(second.receipt).storedAt, DeliveryReceipt.decode(first.receipt).storedAt, 'the replay carries the original storedAt')
    await s.close()
    // and again on a fresh stream
    const s2 = await dmStream()
    const lp2 = lpStream(s2)
    await lp2.write(env)
    assert.ok(DmReply.decode(await lp2.read()).receipt != null)
    await s2.close()
    const stored = (await alice.messages('in')).filter(m => m.text === 'replayed once')
    assert.equal(stored.length, 1, 'no duplicate stored')
    assert.equal(stored[0].contact, 'raw')
  })

  it('a tampered envelope is refused as undecryptable; the session keeps working for honest messages', async () => {
    const s = await dmStream()
    const lp = lpStream(s)
    const good = Envelope.decode(await envelope('before tampering'))
    await lp.write(Envelope.encode(good))
    assert.ok(DmReply.decode(await lp.read()).receipt != null)
    const bad = Envelope.decode(await envelope('tampered'))
    bad.payload = bad.payload.slice()
    bad.payload[60] ^= 0x01 // inside the ratchet ciphertext or header
    await lp.write(Envelope.encode(bad))
    assert.match(DmReply.decode(await lp.read()).rejection?.reason ?? '', /cannot decrypt|does not decode/)
    const moved = Envelope.decode(await envelope('moved in time'))
    moved.expiresAt += 1 // an outer field a hop might change: bound into the ratchet AD
    await lp.write(Envelope.encode(moved))
    assert.match(DmReply.decode(await lp.read()).rejection?.reason ?? '', /cannot decrypt/)
    await lp.write(await envelope('after tampering'))
    assert.ok(DmReply.decode(await lp.read()).receipt != null, 'honest messages still decrypt')
    await s.close()
    const texts = (await alice.messages('in')).map(m => m.text)
    assert.ok(texts.includes('before tampering') && texts.includes('after tampering'))
    assert.ok(!texts.includes('tampered') && !texts.includes('moved in time'))
  })

  it('expired envelopes and envelopes for another device are refused', async () => {
    const expired = Envelope.decode(await envelope('too late'))
    expired.created = Date.now() - 120_000
    expired.expiresAt = Date.now() - 60_000
    const other = Envelope.decode(await envelope('not yours'))
    other.recipientDevice = raw.peerId.toMultihash().bytes
    const s = await dmStream()
    const lp = lpStream(s)
    await lp.write(Envelope.encode(expired))
    assert.match(DmReply.decode(await lp.read()).rejection?.reason ?? '', /expired/)
    await lp.write(Envelope.encode(other))
    assert.match(DmReply.decode(await lp.read()).rejection?.reason ?? '', /another device/)
    await s.close()
    const texts = (await alice.messages('in')).map(m => m.text)
    assert.ok(!texts.includes('too late') && !texts.includes('not yours'))
    await assertAlive()
  })
})
