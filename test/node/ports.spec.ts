/**
 * Taken listen ports: with explicit or saved addresses `ferry start` names the taken port, says
 * what to do and creates nothing (no identity, no database); on a first start with the default
 * ports taken (a second user on the same machine) it listens on free ports instead and says so.
 * The default-port cases run in a network namespace of their own.
 */
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { cli, tempDir } from './harness.js'
import { haveNetns, Netns, NsDaemon } from './netns.js'
import type { Socket } from 'node:dgram'
import type { Server } from 'node:net'

/** Hold a TCP and a UDP port on 127.0.0.1 the way another program would. */
async function occupy (): Promise<{ tcp: number, udp: number, release: () => void }> {
  const server: Server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const socket: Socket = createSocket('udp4')
  await new Promise<void>(resolve => socket.bind(0, '127.0.0.1', resolve))
  return { tcp: (server.address() as { port: number }).port, udp: socket.address().port, release: () => { server.close(); socket.close() } }
}

/** Lines of native (node-datachannel) logging, which must not reach the user's terminal. */
const NATIVE_NOISE = /UDP socket|Registry initialization|ICE UDP mux/

describe('taken listen ports', function () {
  this.timeout(120_000)
  const dirs: string[] = []
  const dir = (): string => { const d = tempDir('ferry-ports-'); dirs.push(d); return d }
  after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

  it('a first start on taken ports names them, exits non-zero and creates nothing', async () => {
    const held = await occupy()
    try {
      const d = dir()
      const r = await cli(['start', '--data-dir', d, '--no-mdns', '--no-web', '--listen', `/ip4/127.0.0.1/udp/${held.udp}/webrtc-direct`, '--listen', `/ip4/127.0.0.1/tcp/${held.tcp}`, '--listen', '/ip4/127.0.0.1/tcp/0/ws'])
      assert.equal(r.code, 1, r.stdout + r.stderr)
      assert.deepEqual(readdirSync(d), [], 'no identity, no database, no config')
      assert.match(r.stderr, new RegExp(`port ${held.udp}/udp .* is in use`))
      assert.match(r.stderr, new RegExp(`port ${held.tcp}/tcp .* is in use`))
      assert.ok(r.stderr.includes('--listen /ip4/127.0.0.1/udp/0/webrtc-direct --listen /ip4/127.0.0.1/tcp/0 --listen /ip4/127.0.0.1/tcp/0/ws'), r.stderr)
      assert.doesNotMatch(r.stdout + r.stderr, NATIVE_NOISE)
    } finally {
      held.release()
    }
  })

  it('a saved port that is taken is an error too (handed-out addresses name it), and the identity is left as it was', async () => {
    const held = await occupy()
    try {
      const d = dir()
      assert.equal((await cli(['init', '--name', 'sam', '--data-dir', d])).code, 0)
      const key = readFileSync(join(d, 'identity.key'))
      writeFileSync(join(d, 'config.json'), JSON.stringify({ listen: [`/ip4/127.0.0.1/tcp/${held.tcp}`] }))
      const r = await cli(['start', '--data-dir', d, '--no-mdns', '--no-web'])
      assert.equal(r.code, 1, r.stdout + r.stderr)
      assert.match(r.stderr, new RegExp(`port ${held.tcp}/tcp .* is in use.*--listen /ip4/127.0.0.1/tcp/0`))
      assert.deepEqual(readdirSync(d).sort(), ['config.json', 'identity.key'])
      assert.deepEqual(readFileSync(join(d, 'identity.key')), key)
    } finally {
      held.release()
    }
  })

  describe('the default ports, in a namespace', () => {
    const net = new Netns()
    let ns: string
    let first: NsDaemon
    let second: NsDaemon

    before(async function () {
      if (!haveNetns()) {
        console.log('      (skipped: needs root and iproute2 for a network namespace)')
        this.skip()
      }
      ns = net.add('ports')
      first = await new NsDaemon(ns, dir(), 'first').init()
      await first.start(['--no-mdns'])
    })

    after(async () => {
      await second?.stop()
      await first?.stop()
      await net.destroy()
    })

    it('the first daemon holds 7470/udp, 7470/tcp and 7471/tcp', async () => {
      const { addresses } = await first.json(['id'])
      for (const want of ['/udp/7470/webrtc-direct', '/tcp/7470/p2p', '/tcp/7471/ws']) assert.ok(addresses.some((a: string) => a.includes(want)), `${want} in ${addresses.join(' ')}`)
    })

    it('a second user\'s first start takes free ports, says so, and keeps them', async () => {
      const d = dir()
      second = new NsDaemon(ns, d, 'second')
      await second.start(['--no-mdns', '--no-web'])
      assert.match(second.log, /ports 7470\/udp, 7470\/tcp, 7471\/tcp in use by another program .*free ports instead/)
      assert.doesNotMatch(second.log, NATIVE_NOISE)
      const { listen } = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'))
      assert.equal(listen.length, 3)
      for (const a of listen) assert.doesNotMatch(a, /\/(7470|7471|0)(\/|$)/, 'a free port, saved')
      const { addresses } = await second.json(['id'])
      for (const a of listen) assert.ok(addresses.some((b: string) => b.includes(a.replace('/ip4/0.0.0.0', ''))), `listening on ${a}`)
      assert.match(second.log, new RegExp(`listening on /ip4/127\\.0\\.0\\.1${listen[1].replace('/ip4/0.0.0.0', '')}`), 'the port chosen is printed')
    })

    it('a daemon whose default web port is taken serves no web app, says which port and what to do', async () => {
      const d = dir()
      const third = new NsDaemon(ns, d, 'third')
      try {
        await third.start(['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'])
        assert.match(third.log, /warning: the web app's port 127\.0\.0\.1:7472 is taken .*serving no web app.*--web-port N.*--no-web/)
        assert.doesNotMatch(third.log, /web app on/)
        assert.equal(JSON.parse(readFileSync(join(d, 'api.json'), 'utf8')).web, undefined)
      } finally {
        await third.stop()
      }
    })
  })
})
