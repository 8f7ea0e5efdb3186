/**
 * Acceptance (issue 2): bad input gets a clear error and never crashes the daemon — through the
 * CLI, the control API, and raw bytes on /ferry/dm/1.0.0 from a real libp2p peer over TCP.
 */
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { Content, DM_PROTOCOL, Envelope, ENVELOPE_VERSION, pad } from '../../protocol/index.js'
import { DmReply } from '../../protocol/services/dm/pb/dm.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { cli, startDaemons, stopAll, tempDir, waitFor } from './harness.js'
import type { DaemonProcess } from './harness.js'
import type { Libp2p, Stream } from '@libp2p/interface'

describe('bad input', function () {
  this.timeout(120_000)
  let alice: DaemonProcess
  let raw: Libp2p

  before(async () => {
    [alice] = await startDaemons('alice')
    raw = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    await raw.start()
    // the raw peer becomes a contact, so its messages show with a name
    await alice.api.post('/v1/contacts', { name: 'raw', target: raw.getMultiaddrs()[0]?.toString() ?? `/ip4/127.0.0.1/tcp/1/p2p/${raw.peerId.toString()}` })
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

  function envelope (text: string, id = crypto.getRandomValues(new Uint8Array(16))): Uint8Array {
    return Envelope.encode({
      version: ENVELOPE_VERSION,
      id,
      recipient: new Uint8Array(0),
      recipientDevice: peerIdFromString(alice.api ? aliceId : '').toMultihash().bytes,
      created: Date.now(),
      expiresAt: Date.now() + 60_000,
      payload: pad(Content.encode({ sender: new Uint8Array(32), senderDevice: raw.peerId.toMultihash().bytes, deviceSignature: new Uint8Array(0), text, sentAt: Date.now() }))
    })
  }
  let aliceId = ''

  async function assertAlive (): Promise<void> {
    assert.ok(alice.running, `daemon still running (log: ${alice.log.slice(-500)})`)
    await alice.api.get('/v1/status')
  }

  it('CLI: unknown contact, malformed invite or multiaddr, empty and oversized text', async () => {
    aliceId = (await alice.api.get('/v1/id')).peerId
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
    const env = envelope('replayed once')
    const s = await dmStream()
    const lp = lpStream(s)
    await lp.write(env)
    const first = DmReply.decode(await lp.read())
    await lp.write(env)
    const second = DmReply.decode(await lp.read())
    assert.ok(first.receipt != null && second.receipt != null, 'both answered with a receipt')
    assert.equal(second.receipt.storedAt, first.receipt.storedAt, 'the replay carries the original storedAt')
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

  it('expired envelopes and envelopes for another device are refused', async () => {
    const expired = Envelope.decode(envelope('too late'))
    expired.created = Date.now() - 120_000
    expired.expiresAt = Date.now() - 60_000
    const other = Envelope.decode(envelope('not yours'))
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
