/**
 * End to end, a message's text never crosses in the clear: not on the TCP connection, not in the
 * envelope the sender frames onto `/ferry/dm`, not in the bytes the receiver reads off its stream
 * — and, with a passphrase, not in any file of either daemon's data dir nor in their logs. The
 * receiver still gets the text, so each check would fail if encryption were off.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { join } from 'node:path'
import { tcp } from '@libp2p/tcp'
import { loadKeyFile, PassphraseRequiredError } from '../../node/keyfile.js'
import { nodeCrypto } from '../../node/crypto.js'
import { createFerry, createIdentity, decodeEnvelope, memoryStores } from '../../protocol/index.js'
import { befriend, startDaemons, waitFor } from './harness.js'
import type { DaemonProcess } from './harness.js'
import type { Ferry } from '../../protocol/index.js'
import type { Server, Socket } from 'node:net'

/** Every encoding of `marker` that would betray it: UTF-8, UTF-16 both ways, hex, base64 and base64url at each alignment. */
function encodings (marker: string): Buffer[] {
  const utf8 = Buffer.from(marker, 'utf8')
  const forms = [utf8, Buffer.from(marker, 'utf16le'), Buffer.from(marker, 'utf16le').swap16(), Buffer.from(utf8.toString('hex'))]
  for (let skip = 0; skip < 3; skip++) {
    // a base64 stream holding the marker at any offset shows these whole groups of it
    const rest = utf8.subarray(skip)
    const b64 = rest.toString('base64').slice(0, Math.floor(rest.byteLength / 3) * 4)
    forms.push(Buffer.from(b64), Buffer.from(b64.replaceAll('+', '-').replaceAll('/', '_')))
  }
  return forms
}

/** The first encoding of `marker` found in `haystack`, if any. */
function leak (haystack: Uint8Array, marker: string): string | undefined {
  const bytes = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength)
  const found = encodings(marker).find(form => bytes.includes(form))
  return found?.toString('latin1')
}

/** Every file under `dir`, recursively, with its bytes. */
function filesUnder (dir: string): Array<{ path: string, bytes: Buffer }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory()
    ? filesUnder(join(dir, e.name))
    : [{ path: join(dir, e.name), bytes: readFileSync(join(dir, e.name)) }])
}

/** A TCP relay on 127.0.0.1 that records every byte crossing it, both directions. */
async function tappedRelay (targetPort: number): Promise<{ port: number, bytes: () => Buffer, close: () => Promise<void> }> {
  const chunks: Buffer[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer(client => {
    const upstream = connect(targetPort, '127.0.0.1')
    for (const s of [client, upstream]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)) }
    client.on('data', d => { chunks.push(Buffer.from(d)); upstream.write(d) })
    upstream.on('data', d => { chunks.push(Buffer.from(d)); client.write(d) })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address == null || typeof address === 'string') throw new Error('relay has no port')
  return {
    port: address.port,
    bytes: () => Buffer.concat(chunks),
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

const newMarker = (): string => `ferry-marker-${randomBytes(16).toString('hex')} ünïcødé`

describe('no plaintext on the wire (in-process peers over TCP)', function () {
  this.timeout(60_000)
  let alice: Ferry
  let bob: Ferry
  let relay: Awaited<ReturnType<typeof tappedRelay>>
  const sent: Uint8Array[] = []
  const received: Uint8Array[] = []

  before(async () => {
    const make = async (): Promise<Ferry> => createFerry({ identity: await createIdentity(), stores: memoryStores(), transports: [tcp()], listen: ['/ip4/127.0.0.1/tcp/0'], crypto: nodeCrypto() })
    ;[alice, bob] = await Promise.all([make(), make()])
    await Promise.all([alice.start(), bob.start()])

    // the sender's envelopes exactly as framed onto the Noise stream
    const dm = alice.libp2p.services.dm
    const send = dm.send.bind(dm)
    dm.send = async (connection, envelope, options) => { sent.push(new Uint8Array(envelope)); return send(connection, envelope, options) }
    // the receiver's envelopes exactly as read off its stream, before decoding
    const receiver = (bob.libp2p.services.dm as any).init.receiver
    const accept = receiver.accept.bind(receiver)
    receiver.accept = async (env: unknown, bytes: Uint8Array, from: unknown) => { received.push(new Uint8Array(bytes)); return accept(env, bytes, from) }

    // alice reaches bob only through the tapped relay (and fetches his prekey bundle through it too)
    const bobPort = Number(bob.addresses()[0].split('/')[4])
    relay = await tappedRelay(bobPort)
    await alice.roster.add('bob', `/ip4/127.0.0.1/tcp/${relay.port}/p2p/${bob.peerId}`)
  })

  after(async () => {
    await Promise.all([alice?.stop(), bob?.stop()])
    await relay?.close()
  })

  it('the marker text reaches bob, yet appears in no byte crossing the connection nor in any envelope sent or received', async () => {
    const markers = [newMarker(), newMarker(), newMarker()]
    for (const text of markers) await alice.conversations.send('bob', text)
    // alice is not bob's contact: her messages wait as a request until he accepts it
    await waitFor('bob stores the messages', async () => (await bob.roster.requests())[0]?.messages === markers.length, 20_000)
    await waitFor('alice sees them delivered', async () => (await alice.conversations.history()).every(m => m.status === 'delivered'), 20_000)
    assert.equal(sent.length, markers.length, 'each envelope went through dm.send once')
    assert.deepEqual(received, sent, 'the receiver read exactly the bytes the sender framed')
    const bobDevice = decodeEnvelope(sent[0]).recipientDevice
    assert.deepEqual(bobDevice, bob.libp2p.peerId.toMultihash().bytes)

    const conns = alice.libp2p.getConnections(bob.libp2p.peerId)
    assert.ok(conns.length > 0 && conns.every(c => c.remoteAddr.toString().includes(`/tcp/${relay.port}`)), 'the only connection runs through the relay')
    const wire = relay.bytes()
    assert.ok(wire.byteLength > sent.reduce((n, e) => n + e.byteLength, 0), 'the relay saw the envelopes cross')

    for (const marker of markers) {
      assert.equal(leak(wire, marker), undefined, 'marker on the TCP connection')
      for (const envelope of [...sent, ...received]) assert.equal(leak(envelope, marker), undefined, 'marker in an envelope')
    }
    await bob.roster.acceptRequest(alice.peerId, 'alice')
    assert.deepEqual((await bob.conversations.history()).map(m => m.text), markers, 'bob decrypted every marker')
    // the scanner finds what is there: the marker in a buffer that holds it at an odd offset, base64-encoded
    assert.ok(leak(Buffer.from('x' + Buffer.from('ab' + markers[0]).toString('base64')), markers[0]) != null)
  })
})

describe('no plaintext at rest or in logs (two daemons, passphrase set)', function () {
  this.timeout(180_000)
  const PASSPHRASE = `correct horse ${randomBytes(4).toString('hex')}`
  let previous: string | undefined
  let daemons: DaemonProcess[] = []

  before(async () => {
    previous = process.env.FERRY_PASSPHRASE
    process.env.FERRY_PASSPHRASE = PASSPHRASE // the harness runs `ferry init` and `ferry start` with process.env
    daemons = await startDaemons('alice', 'bob')
    await befriend(daemons[0], daemons[1])
  })

  after(async () => {
    if (previous == null) delete process.env.FERRY_PASSPHRASE
    else process.env.FERRY_PASSPHRASE = previous
    await Promise.all(daemons.map(async d => d.stop()))
    for (const d of daemons) rmSync(d.dir, { recursive: true, force: true })
  })

  /** Every file of both data dirs and both logs that holds the marker in any encoding. */
  function leaks (marker: string): string[] {
    const files = daemons.flatMap(d => filesUnder(d.dir))
    const logs = daemons.map(d => ({ path: `${d.name} log`, bytes: Buffer.from(d.log) }))
    return [...files, ...logs].flatMap(f => { const form = leak(f.bytes, marker); return form == null ? [] : [`${f.path}: ${form}`] })
  }

  it('after delivery the marker is in no data file (db, WAL, key file, config) nor log, running or stopped', async () => {
    const [alice, bob] = daemons
    for (const d of daemons) await assert.rejects(loadKeyFile(join(d.dir, 'identity.key')), PassphraseRequiredError, 'the key file is passphrase-protected')
    const marker = newMarker()
    await alice.api.post('/v1/messages', { contact: 'bob', text: marker })
    await waitFor('bob has the message', async () => (await bob.messages('in')).some(m => m.text === marker), 60_000)
    await waitFor('alice sees it delivered', async () => (await alice.messages('out')).every(m => m.status === 'delivered'), 30_000)

    const names = daemons.flatMap(d => filesUnder(d.dir).map(f => f.path.slice(d.dir.length + 1)))
    for (const file of ['ferry.db', 'identity.key', 'config.json']) assert.ok(names.filter(n => n === file).length === 2, `both data dirs hold ${file}: ${names.join(', ')}`)
    assert.deepEqual(leaks(marker), [], 'while running (WAL not checkpointed)')
    // the same scan finds what is stored in the clear: each daemon's public identity in its key file
    for (const d of daemons) {
      const { identity } = await d.api.get<{ identity: string }>('/v1/status')
      assert.ok(filesUnder(d.dir).some(f => leak(f.bytes, identity) != null), `${d.name}'s identity is found by the scan`)
    }

    await Promise.all(daemons.map(async d => d.stop()))
    assert.deepEqual(leaks(marker), [], 'after a clean shutdown (WAL checkpointed)')
  })
})
