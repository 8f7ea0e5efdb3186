/**
 * The CLI contract, driven as a user would: JSON shapes, --follow, file modes, data-dir
 * resolution, and a restarted daemon keeping its ports and WebRTC-direct certificate.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { dataDir } from '../../node/paths.js'
import { createIdentity } from '../../protocol/index.js'
import { inviteWithBundle } from '../protocol/helpers.js'
import { BIN, cli, startDaemons, stopAll, tempDir, waitFor } from './harness.js'
import type { DaemonProcess } from './harness.js'

describe('CLI contract', function () {
  this.timeout(120_000)
  let alice: DaemonProcess
  let bob: DaemonProcess
  const json = async (args: string[]): Promise<any> => {
    const r = await cli([...args, '--json'])
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
    return JSON.parse(r.stdout)
  }

  before(async () => {
    [alice, bob] = await startDaemons('alice', 'bob')
  })

  after(async () => stopAll([alice, bob].filter(Boolean)))

  it('id, invite, contact add/list, send, messages and status speak the documented JSON', async () => {
    const id = await json(['id', '--data-dir', bob.dir])
    assert.deepEqual(Object.keys(id).sort(), ['addresses', 'identity', 'peerId'])
    assert.match(id.identity, /^z[1-9A-HJ-NP-Za-km-z]+$/)
    assert.ok(id.addresses.some((a: string) => a.includes('/webrtc-direct/certhash/')), 'a webrtc-direct address with its certhash')

    const { invite } = await json(['invite', '--data-dir', bob.dir])
    assert.match(invite, /^ferry:\/\/invite\//)
    assert.equal((await cli(['contact', 'add', 'bob', invite, '--data-dir', alice.dir])).code, 0)
    const { invite: back } = await json(['invite', '--data-dir', alice.dir])
    assert.equal((await cli(['contact', 'add', 'alice', back, '--data-dir', bob.dir])).code, 0)
    const contacts = await json(['contact', 'list', '--data-dir', alice.dir])
    assert.deepEqual(contacts.map((c: any) => [c.name, c.peerId, c.identity]), [['bob', id.peerId, id.identity]])

    const sent = await json(['send', 'bob', 'über ✓', '--data-dir', alice.dir])
    assert.match(sent.id, /^[0-9a-f]{32}$/)
    assert.ok(['queued', 'delivered'].includes(sent.status))
    await waitFor('delivered', async () => (await json(['messages', 'bob', '--data-dir', alice.dir]))[0]?.status === 'delivered')
    const [m] = await json(['messages', '--data-dir', bob.dir])
    for (const key of ['id', 'contact', 'direction', 'text', 'status', 'createdAt', 'deliveredAt']) assert.ok(key in m, `messages --json has ${key}`)
    assert.deepEqual([m.id, m.contact, m.direction, m.text, m.status], [sent.id, 'alice', 'in', 'über ✓', 'delivered'])

    const status = await json(['status', '--data-dir', alice.dir])
    assert.equal(status.outbox, 0)
    const conn = status.connections.find((c: any) => c.peer === id.peerId)
    assert.deepEqual(Object.keys(conn).filter(k => ['peer', 'transport', 'remoteAddr'].includes(k)).sort(), ['peer', 'remoteAddr', 'transport'])
    assert.equal(conn.transport, 'webrtc-direct')
  })

  it('messages --follow streams new messages as they arrive', async () => {
    const follower = spawn(process.execPath, [BIN, 'messages', 'alice', '--follow', '--json', '--data-dir', bob.dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    follower.stdout.on('data', d => { out += String(d) })
    try {
      await waitFor('follower printed history', () => out.includes('über'))
      await cli(['send', 'bob', 'followed live', '--data-dir', alice.dir])
      await waitFor('live message streamed', () => out.includes('followed live'))
      const line = out.split('\n').find(l => l.includes('followed live')) as string
      assert.equal(JSON.parse(line).direction, 'in')
    } finally {
      follower.kill('SIGTERM')
    }
  })

  it('messages --last N prints the newest N, oldest first; a --last that is not a number is refused', async () => {
    for (let i = 1; i <= 4; i++) assert.equal((await cli(['send', 'bob', `last ${i}`, '--data-dir', alice.dir])).code, 0)
    const all = await json(['messages', 'bob', '--data-dir', alice.dir])
    assert.ok(all.length >= 5)
    const last = await json(['messages', 'bob', '--last', '3', '--data-dir', alice.dir])
    assert.deepEqual(last.map((m: any) => m.text), ['last 2', 'last 3', 'last 4'])
    assert.deepEqual(last.map((m: any) => m.id), all.slice(-3).map((m: any) => m.id))
    const bad = await cli(['messages', 'bob', '--last', 'many', '--data-dir', alice.dir])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--last takes a number of messages/)
    const err = await alice.api.get('/v1/messages?last=-1').then(() => undefined, e => e)
    assert.equal(err?.status, 400)
    assert.match(err.message, /last must be a whole number/)
  })

  it('keeps secrets 0600 and the data dir 0700', () => {
    for (const f of ['identity.key', 'api-token']) assert.equal(statSync(join(alice.dir, f)).mode & 0o777, 0o600, f)
    assert.equal(statSync(alice.dir).mode & 0o777, 0o700)
  })

  it('a restarted daemon keeps its ports and WebRTC-direct certificate, so handed-out addresses stay valid', async () => {
    const before = (await json(['id', '--data-dir', bob.dir])).addresses
    assert.equal(await bob.stop('SIGINT'), 0, `Ctrl-C shuts down cleanly; the daemon said: ${bob.log.slice(-1500)}`)
    await bob.start() // no --listen: the saved config
    assert.deepEqual((await json(['id', '--data-dir', bob.dir])).addresses.sort(), [...before].sort())
  })

  it('invite writes its QR code as SVG and PNG; lookup says how a contact is reached', async () => {
    const dir = tempDir()
    const svg = join(dir, 'invite.svg')
    const png = join(dir, 'invite.png')
    const r = await cli(['invite', '--qr-svg', svg, '--qr-png', png, '--data-dir', bob.dir])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^ferry:\/\/invite\/\S+$/m)
    assert.match(readFileSync(svg, 'utf8'), /<svg[\s\S]*<path/)
    assert.deepEqual([...readFileSync(png).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    rmSync(dir, { recursive: true, force: true })

    const found = await json(['lookup', 'bob', '--data-dir', alice.dir])
    assert.equal(found.peer, (await json(['id', '--data-dir', bob.dir])).peerId)
    assert.ok(['connection', 'contact', 'peer-store'].includes(found.source))
    assert.equal(found.hops, 0)
    assert.ok(found.addresses.length > 0)
    const byPeer = await json(['lookup', found.peer, '--data-dir', alice.dir])
    assert.equal(byPeer.contact, 'bob')
    const unknown = await cli(['lookup', 'nobody', '--data-dir', alice.dir])
    assert.notEqual(unknown.code, 0)
    assert.match(unknown.stderr, /no contact named "nobody"/)
  })

  it('verify: both sides see the same 60-digit safety number; --confirm marks the contact verified', async () => {
    const a = await cli(['verify', 'bob', '--data-dir', alice.dir])
    const b = await cli(['verify', 'alice', '--data-dir', bob.dir])
    assert.equal(a.code, 0, a.stderr)
    const digits = (s: string): string => s.replace(/[^0-9]/g, '')
    assert.equal(digits(a.stdout).length, 60)
    assert.equal(digits(a.stdout), digits(b.stdout))
    assert.match(a.stdout, /not verified/)
    assert.equal((await cli(['verify', 'bob', '--confirm', '--data-dir', alice.dir])).code, 0)
    assert.equal((await json(['contact', 'list', '--data-dir', alice.dir]))[0].verified, true)
    assert.match((await cli(['verify', 'bob', '--data-dir', alice.dir])).stdout, /Status: verified/)
  })

  it('a changed identity key pauses sending with a clear warning until accepted', async () => {
    const other = await createIdentity()
    const addrs = (await json(['id', '--data-dir', bob.dir])).addresses.map((a: string) => multiaddr(a).decapsulateCode(421))
    // bob reinstalled: an invite from a new identity (and device) under the same contact name
    const forged = await inviteWithBundle(other, addrs, { now: Date.now() })
    const readd = await cli(['contact', 'add', 'bob', forged, '--data-dir', alice.dir])
    assert.equal(readd.code, 0, readd.stderr)
    const [bobContact] = await json(['contact', 'list', '--data-dir', alice.dir])
    assert.equal(bobContact.identityChanged, true)
    assert.equal(bobContact.verified, false, 'a changed key is no longer verified')
    const paused = await cli(['send', 'bob', 'should not go', '--data-dir', alice.dir])
    assert.notEqual(paused.code, 0)
    assert.match(paused.stderr, /identity key changed: sending is paused/)
    assert.match((await cli(['verify', 'bob', '--data-dir', alice.dir])).stdout, /WARNING: bob's identity key changed/)
    assert.equal((await cli(['verify', 'bob', '--accept', '--data-dir', alice.dir])).code, 0)
    const resumed = await cli(['send', 'bob', 'after accepting', '--data-dir', alice.dir])
    assert.equal(resumed.code, 0, resumed.stderr)
  })

  it('resolves the data dir from --data-dir, then FERRY_DATA_DIR, then XDG_DATA_HOME', () => {
    const saved = { ferry: process.env.FERRY_DATA_DIR, xdg: process.env.XDG_DATA_HOME }
    try {
      process.env.FERRY_DATA_DIR = '/tmp/ferry-env'
      process.env.XDG_DATA_HOME = '/tmp/xdg'
      assert.equal(dataDir('/tmp/flag'), '/tmp/flag')
      assert.equal(dataDir(), '/tmp/ferry-env')
      delete process.env.FERRY_DATA_DIR
      assert.equal(dataDir(), '/tmp/xdg/ferry')
    } finally {
      if (saved.ferry == null) delete process.env.FERRY_DATA_DIR; else process.env.FERRY_DATA_DIR = saved.ferry
      if (saved.xdg == null) delete process.env.XDG_DATA_HOME; else process.env.XDG_DATA_HOME = saved.xdg
    }
  })
})
