/**
 * An endless length prefix (0xff bytes never end a varint) on every stream a peer can open to a
 * real `ferry start` daemon, and in the bundle a daemon fetches from a peer: @libp2p/utils'
 * lpStream kept every such byte (~110 bytes of heap each) until the read timed out. The victim
 * runs with a 96 MiB heap, so an unbounded reader kills it; its resident memory is read from
 * /proc (VmHWM, the peak, reset before each flood), an upper bound on its heap growth.
 */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { createIdentity, DM_PROTOCOL } from '../../protocol/index.js'
import { BUNDLE_PROTOCOL } from '../../protocol/services/bundle/index.js'
import { MAILBOX_PROTOCOL } from '../../protocol/mailbox/index.js'
import { DHT_PROTOCOL } from '../../protocol/directory/dht.js'
import { befriend, startDaemons, stopAll, waitFor } from './harness.js'
import type { DaemonProcess } from './harness.js'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

const MiB = 1024 * 1024
const FLOOD = 16 * MiB
const CHUNK = new Uint8Array(64 * 1024).fill(0xff)
const HEAP_MB = 96

/** Resident memory of a process in MiB: now, and the peak since the last reset. */
function memory (pid: number): { rss: number, peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1])
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 }
}

/** Make VmHWM start again from the current resident size (Linux >= 4.0). */
function resetPeak (pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5')
}

/** Write `CHUNK`s of 0xff until the stream fails or `budget` bytes went out; returns the bytes sent. */
async function pour (stream: Stream, budget: number): Promise<number> {
  let sent = 0
  while (sent < budget && stream.status === 'open' && stream.writeStatus === 'writable') {
    let ok: boolean
    try {
      ok = stream.send(CHUNK)
    } catch {
      break
    }
    sent += CHUNK.byteLength
    if (!ok) {
      const drained = await new Promise<boolean>(resolve => {
        const done = (v: boolean): void => { clearTimeout(t); stream.removeEventListener('drain', d); stream.removeEventListener('close', c); resolve(v) }
        const d = (): void => { done(true) }
        const c = (): void => { done(false) }
        const t = setTimeout(() => { done(false) }, 5_000)
        stream.addEventListener('drain', d)
        stream.addEventListener('close', c)
      })
      if (!drained) break
    }
  }
  return sent
}

describe('endless length prefixes against a daemon', function () {
  this.timeout(300_000)
  let alice: DaemonProcess
  let bob: DaemonProcess
  let raw: Libp2p
  let conn: Connection
  const heapBefore = process.env.NODE_OPTIONS

  /** Start alice (again, after an unbounded reader killed her) with a small heap, and connect to her. */
  async function victim (): Promise<void> {
    if (!alice.running) {
      process.env.NODE_OPTIONS = `${heapBefore ?? ''} --max-old-space-size=${HEAP_MB}`.trim()
      try {
        await alice.start()
      } finally {
        if (heapBefore == null) delete process.env.NODE_OPTIONS
        else process.env.NODE_OPTIONS = heapBefore
      }
    }
    const addr = (await alice.api.get<{ addresses: string[] }>('/v1/id')).addresses.find(a => a.includes('/tcp/'))
    conn = await raw.dial(multiaddr(addr))
  }

  before(async function () {
    if (process.platform !== 'linux') this.skip()
    ;[alice, bob] = await startDaemons('alice', 'bob')
    await befriend(alice, bob)
    await alice.stop()
    const me = await createIdentity()
    raw = await createLibp2p({ privateKey: me.deviceKey, addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    await raw.start()
  })

  beforeEach(victim)

  after(async () => {
    await raw?.stop()
    await stopAll([alice, bob].filter(Boolean))
  })

  async function assertAnswers (text: string): Promise<void> {
    assert.ok(alice.running, `the daemon is alive (log: ${alice.log.slice(-800)})`)
    await bob.api.post('/v1/messages', { contact: 'alice', text })
    await waitFor(`"${text}" delivered`, async () => (await alice.messages('in')).some(m => m.text === text))
  }

  for (const protocol of [DM_PROTOCOL, MAILBOX_PROTOCOL, BUNDLE_PROTOCOL, DHT_PROTOCOL]) {
    it(`16 MiB of 0xff on ${protocol} leave the heap growth under 16 MiB, and the daemon answers`, async () => {
      const pid = alice.proc?.pid as number
      const before = memory(pid).rss
      resetPeak(pid)
      let sent = 0
      let streams = 0
      while (sent < FLOOD && alice.running) {
        let stream: Stream
        try {
          stream = await conn.newStream(protocol, { runOnLimitedConnection: true })
        } catch {
          if (conn.status === 'open') continue
          try {
            conn = await raw.dial(conn.remoteAddr)
            continue
          } catch {
            break
          }
        }
        streams++
        sent += await pour(stream, FLOOD - sent)
        stream.abort(new Error('flood done'))
      }
      assert.ok(alice.running, `the daemon survived the flood (${(sent / MiB).toFixed(1)} MiB sent; log: ${alice.log.slice(-300)})`)
      const { peak } = memory(pid)
      console.log(`      ${protocol}: ${(sent / MiB).toFixed(0)} MiB on ${streams} streams; resident ${before.toFixed(0)} -> peak ${peak.toFixed(0)} MiB`)
      assert.ok(sent >= FLOOD, `the whole flood went out (${(sent / MiB).toFixed(1)} MiB before the daemon stopped taking connections)`)
      assert.ok(peak - before < 16, `resident memory grew ${(peak - before).toFixed(1)} MiB`)
      await assertAnswers(`after the ${protocol} flood`)
    })
  }

  it('16 MiB of 0xff on raw TCP connections, before any handshake, leave the heap growth under 16 MiB and the daemon answering', async () => {
    // multistream-select negotiates the encrypter with @libp2p/utils' lpStream before any
    // authentication; Ferry patches it at install (node/tools/patch-lpstream.mjs)
    const port = Number((await alice.api.get<{ addresses: string[] }>('/v1/id')).addresses.find(a => a.includes('/tcp/') && !a.includes('/ws'))?.split('/')[4])
    const pid = alice.proc?.pid as number
    const before = memory(pid).rss
    resetPeak(pid)
    let offered = 0
    let longest = 0
    for (let i = 0; i < 64 && offered < FLOOD && alice.running; i++) {
      const taken = await new Promise<number>(resolve => {
        const socket = connect(port, '127.0.0.1')
        let written = 0
        const done = (): void => { clearTimeout(timer); socket.destroy(); resolve(socket.bytesWritten) }
        const timer = setTimeout(done, 3_000)
        socket.on('error', done)
        socket.on('close', done)
        const more = (): void => {
          while (written < FLOOD / 16 && socket.write(CHUNK)) written += CHUNK.byteLength
          if (written < FLOOD / 16) socket.once('drain', more)
        }
        socket.on('connect', more)
      })
      offered += Math.max(taken, CHUNK.byteLength)
      longest = Math.max(longest, taken)
    }
    assert.ok(alice.running, `the daemon survived (log: ${alice.log.slice(-300)})`)
    const { peak } = memory(pid)
    console.log(`      pre-handshake: ${(offered / MiB).toFixed(0)} MiB offered; at most ${(longest / 1024).toFixed(0)} KiB taken by one connection; resident ${before.toFixed(0)} -> peak ${peak.toFixed(0)} MiB`)
    assert.ok(peak - before < 16, `resident memory grew ${(peak - before).toFixed(1)} MiB`)
    await assertAnswers('after the pre-handshake flood')
  })

  it('a bundle answered with 16 MiB of 0xff fails the fetch, not the daemon', async () => {
    await raw.handle(BUNDLE_PROTOCOL, async (stream) => { await pour(stream, FLOOD); stream.abort(new Error('flood done')) }, { runOnLimitedConnection: true })
    const evil = raw.getMultiaddrs().find(a => a.toString().includes('/tcp/'))?.toString() as string
    await alice.api.post('/v1/contacts', { name: 'evil', target: evil })
    const pid = alice.proc?.pid as number
    const before = memory(pid).rss
    resetPeak(pid)
    await assert.rejects(alice.api.post('/v1/messages', { contact: 'evil', text: 'hello?' }), /bundle|frame|length/i)
    assert.ok(alice.running, `the daemon survived (log: ${alice.log.slice(-300)})`)
    const { peak } = memory(pid)
    console.log(`      bundle fetch: resident ${before.toFixed(0)} -> peak ${peak.toFixed(0)} MiB`)
    assert.ok(peak - before < 16, `resident memory grew ${(peak - before).toFixed(1)} MiB`)
    await assertAnswers('after the bundle answer flood')
  })
})
