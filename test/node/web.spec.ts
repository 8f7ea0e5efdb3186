/**
 * `ferry start` serves the web app: the built files, /config.json naming this
 * daemon's browser-dialable addresses and its user's invite, and nothing outside dist/web; only
 * to requests whose Host header names it (DNS rebinding), and never on a port it was not given.
 */
import assert from 'node:assert/strict'
import { readdirSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { connect, createServer } from 'node:net'
import { hostname } from 'node:os'
import { multiaddr } from '@multiformats/multiaddr'
import { browserDialable, transportOf } from '../../protocol/index.js'
import { hostAllowed } from '../../node/web/server.js'
import { cli, DaemonProcess, tempDir, waitFor } from './harness.js'

/** GET with the path and headers sent as is (fetch would normalise "/../" and refuse to set Host). */
async function get (url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number, type: string, body: string }> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    request({ host: u.hostname, port: u.port, path, method: 'GET', headers }, res => {
      let body = ''
      res.on('data', d => { body += String(d) })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }))
    }).on('error', reject).end()
  })
}

describe('web app server', function () {
  this.timeout(60_000)
  let daemon: DaemonProcess
  let url: string

  before(async () => {
    const dir = tempDir('ferry-web-')
    assert.equal((await cli(['init', '--name', 'wendy', '--data-dir', dir])).code, 0)
    daemon = await new DaemonProcess(dir, 'wendy').start(['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws', '/ip4/127.0.0.1/udp/0/webrtc-direct'], ['--web-port', '0'])
    await waitFor('the web app URL', () => /web app on http:\/\/127\.0\.0\.1:\d+\//.test(daemon.log))
    url = daemon.log.match(/web app on (\S+)/)?.[1] ?? ''
  })

  after(async () => {
    await daemon?.stop()
  })

  it('prints the URL at start and serves the app on 127.0.0.1', async () => {
    const page = await get(url, '/')
    assert.equal(page.status, 200)
    assert.match(page.type, /text\/html/)
    assert.match(page.body, /<script type="module" src="app.js">/)
    const app = await get(url, '/app.js')
    assert.equal(app.status, 200)
    assert.match(app.type, /javascript/)
    assert.ok(app.body.length > 100_000, 'the bundled app')
  })

  it('names this daemon as the browser\'s entry point in /config.json, with its user\'s invite', async () => {
    const res = await get(url, '/config.json')
    assert.equal(res.status, 200)
    const config = JSON.parse(res.body)
    const id = (await daemon.api.get<{ peerId: string }>('/v1/id')).peerId
    assert.ok(config.daemons.length >= 2, 'ws and webrtc-direct')
    for (const d of config.daemons) {
      const ma = multiaddr(d)
      assert.ok(browserDialable(ma), d)
      assert.ok(d.endsWith(`/p2p/${id}`))
    }
    assert.deepEqual(new Set(config.daemons.map((d: string) => transportOf(multiaddr(d)))), new Set(['websockets', 'webrtc-direct']), 'no TCP: browsers cannot dial it')
    assert.equal(config.daemon.peerId, id)
    assert.equal(config.daemon.name, 'wendy')
    assert.match(config.daemon.invite, /^ferry:/)
  })

  it('serves nothing outside the app and refuses other methods', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/nope.js']) {
      assert.equal((await get(url, path)).status, 404, path)
    }
    const post = await new Promise<number>((resolve, reject) => {
      const u = new URL(url)
      request({ host: u.hostname, port: u.port, path: '/', method: 'POST' }, res => { res.resume(); resolve(res.statusCode ?? 0) }).on('error', reject).end()
    })
    assert.equal(post, 405)
  })

  it('answers only requests whose Host names it: a DNS-rebinding page cannot read /config.json', async () => {
    const port = new URL(url).port
    for (const host of [`evil.example:${port}`, 'evil.example:7472', `evil.example.:${port}`, `127.0.0.1.evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1:${Number(port) + 1}`, '127.0.0.1', `user@127.0.0.1:${port}`]) {
      for (const path of ['/config.json', '/', '/app.js']) {
        const res = await get(url, path, { host })
        assert.equal(res.status, 421, `${host} ${path}`)
        assert.equal(res.body, '', 'nothing of value in the refusal')
      }
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      assert.equal((await get(url, '/config.json', { host })).status, 200, host)
    }
  })

  it('refuses a request with no Host header', async () => {
    const u = new URL(url)
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(u.port), u.hostname, () => socket.end('GET /config.json HTTP/1.0\r\n\r\n'))
      let text = ''
      socket.on('data', d => { text += String(d) }).on('end', () => resolve(text)).on('error', reject)
    })
    assert.match(reply, /^HTTP\/1\.[01] 421 /)
    assert.doesNotMatch(reply, /invite|daemons/)
  })

  it('an explicitly requested web port that is taken is an error, before anything is created', async () => {
    const taken = createServer()
    await new Promise<void>(resolve => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as { port: number }).port
    const dir = tempDir('ferry-webport-')
    try {
      const r = await cli(['start', '--data-dir', dir, '--no-mdns', '--web-port', String(port), '--listen', '/ip4/127.0.0.1/tcp/0'])
      assert.equal(r.code, 1, r.stdout + r.stderr)
      assert.deepEqual(readdirSync(dir), [], 'no identity, no database')
      assert.match(r.stderr, new RegExp(`--web-port ${port}: cannot listen on 127\\.0\\.0\\.1:${port} \\(in use by another program\\); choose another port, or --no-web`))
    } finally {
      taken.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('--no-web serves no app', async () => {
    const dir = tempDir('ferry-noweb-')
    assert.equal((await cli(['init', '--name', 'nora', '--data-dir', dir])).code, 0)
    const d = await new DaemonProcess(dir, 'nora').start(undefined, ['--no-web'])
    try {
      assert.doesNotMatch(d.log, /web app on/)
    } finally {
      await d.stop()
    }
  })
})

describe('the web server\'s Host allow-list', () => {
  const loopback = { host: '127.0.0.1', port: 7472, tls: false }

  it('takes the loopback names with the right port, nothing else', () => {
    for (const h of ['127.0.0.1:7472', 'localhost:7472', 'LocalHost:7472', 'localhost.:7472', '[::1]:7472', '[0:0:0:0:0:0:0:1]:7472']) assert.equal(hostAllowed(h, loopback), true, h)
    for (const h of [undefined, '', '127.0.0.1', '127.0.0.1:80', '127.0.0.1:7473', 'evil.example:7472', '127.0.0.1.nip.io:7472', '10.0.0.5:7472', 'a@127.0.0.1:7472', '127.0.0.1:7472/x', '127.0.0.1:7472 x']) assert.equal(hostAllowed(h, loopback), false, String(h))
  })

  it('takes the --web-host name, and the default port of the scheme when none is given', () => {
    const named = { host: 'ferry.lan', port: 443, tls: true }
    assert.equal(hostAllowed('ferry.lan', named), true)
    assert.equal(hostAllowed('FERRY.LAN:443', named), true)
    assert.equal(hostAllowed('ferry.lan:80', named), false)
    assert.equal(hostAllowed('evil.example', named), false)
  })

  it('bound to every interface, takes any IP address and this machine\'s name, never another name', () => {
    const all = { host: '0.0.0.0', port: 7472, tls: true }
    for (const h of ['192.168.1.20:7472', '[fe80::1]:7472', `${hostname()}:7472`, `${hostname()}.local:7472`]) assert.equal(hostAllowed(h, all), true, h)
    for (const h of ['evil.example:7472', '192.168.1.20:7473']) assert.equal(hostAllowed(h, all), false, h)
  })
})

describe('address helpers', () => {
  it('classifies WebRTC signalled through a relay as webrtc, and a relayed connection as circuit-relay', () => {
    const relay = '/ip4/10.0.0.1/tcp/1/ws/p2p/12D3KooWNFTKEHQp2axA1tidmvYqtc4sagcnMRyDSvZrPTHztAEv'
    const peer = '12D3KooWDPjF1fdoZN2KvByryZkmwQazPVbZotCvcyAi3EUjnX5L'
    assert.equal(transportOf(multiaddr(`${relay}/p2p-circuit/webrtc/p2p/${peer}`)), 'webrtc')
    assert.equal(transportOf(multiaddr(`/webrtc/p2p/${peer}`)), 'webrtc')
    assert.equal(transportOf(multiaddr(`${relay}/p2p-circuit/p2p/${peer}`)), 'circuit-relay')
    assert.equal(transportOf(multiaddr('/ip4/10.0.0.1/udp/1/webrtc-direct')), 'webrtc-direct')
  })

  it('says which daemon addresses a browser can dial', () => {
    const id = '12D3KooWNFTKEHQp2axA1tidmvYqtc4sagcnMRyDSvZrPTHztAEv'
    assert.equal(browserDialable(multiaddr(`/ip4/10.0.0.1/tcp/1/ws/p2p/${id}`)), true)
    assert.equal(browserDialable(multiaddr(`/ip4/10.0.0.1/udp/1/webrtc-direct/p2p/${id}`)), true)
    assert.equal(browserDialable(multiaddr(`/ip4/10.0.0.1/tcp/1/p2p/${id}`)), false, 'TCP')
    assert.equal(browserDialable(multiaddr('/ip4/10.0.0.1/tcp/1/ws')), false, 'no peer id')
    assert.equal(browserDialable(multiaddr(`/ip4/10.0.0.1/tcp/1/ws/p2p/${id}/p2p-circuit/p2p/${id}`)), false, 'relayed')
  })
})
