/**
 * `ferry start` serves the web app (issue 6 scope 2): the built files, /config.json naming this
 * daemon's browser-dialable addresses and its user's invite, and nothing outside dist/web.
 */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { multiaddr } from '@multiformats/multiaddr'
import { browserDialable, transportOf } from '../../protocol/index.js'
import { cli, DaemonProcess, tempDir, waitFor } from './harness.js'

/** GET with the path sent as is (fetch would normalise "/../"). */
async function get (url: string, path: string): Promise<{ status: number, type: string, body: string }> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    request({ host: u.hostname, port: u.port, path, method: 'GET' }, res => {
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
