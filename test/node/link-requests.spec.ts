/**
 * The web app's "link to this daemon's user" requests (node/web/link-requests.ts) and their HTTP
 * side on the web server (node/web/server.ts), over real HTTP on 127.0.0.1: a page gets a code
 * only the daemon's user can approve; a stranger cannot fill the daemon's memory, cannot send the
 * request from another origin without a preflight, and gets no link code without the approval.
 */
import assert from 'node:assert/strict'
import { LINK_REQUEST_TTL_MS, LinkRequests, MAX_PENDING, MAX_PER_MINUTE, TooManyLinkRequestsError, UnknownLinkRequestError } from '../../node/web/link-requests.js'
import { serveWeb, webAppBuilt } from '../../node/web/server.js'
import type { WebServer } from '../../node/web/server.js'

describe('link requests from the web app', () => {
  it('a request waits for the approval of its own code, hands its link out once, and ends after 10 minutes', async () => {
    let now = 1_000_000
    const requests = new LinkRequests(() => now)
    const mine = requests.create('browser')
    const other = requests.create('\u001b[31mevil\u0007 name')
    assert.match(mine.code, /^\d{6}$/)
    assert.notEqual(mine.code, other.code)
    assert.match(mine.id, /^[0-9a-f]{32}$/)
    assert.deepEqual(requests.state(mine.id), { state: 'waiting', expiresAt: now + LINK_REQUEST_TTL_MS })
    assert.deepEqual(requests.state('0'.repeat(32)), { state: 'gone' })
    const wrong = String((Number(mine.code) + 1) % 1_000_000).padStart(6, '0')
    if (wrong !== other.code) await assert.rejects(requests.approve(wrong, async () => 'ferry://link/x'), UnknownLinkRequestError)
    assert.equal(await requests.approve(` ${mine.code} `, async () => 'ferry://link/mine'), 'browser')
    await assert.rejects(requests.approve(mine.code, async () => 'ferry://link/again'), UnknownLinkRequestError, 'approved once')
    assert.equal(requests.state(other.id).state, 'waiting', 'the other request learns nothing of the approval')
    assert.deepEqual(requests.state(mine.id), { state: 'approved', link: 'ferry://link/mine' })
    assert.deepEqual(requests.state(mine.id), { state: 'gone' }, 'the link code is handed out once')
    assert.equal(await requests.approve(other.code, async () => 'l'), '[31mevil name', 'control characters are dropped from the name')
    const late = requests.create('late')
    now += LINK_REQUEST_TTL_MS
    assert.deepEqual(requests.state(late.id), { state: 'gone' })
    await assert.rejects(requests.approve(late.code, async () => 'l'), UnknownLinkRequestError)
  })

  it('a stranger can make at most MAX_PENDING wait and MAX_PER_MINUTE a minute', () => {
    let now = 0
    const requests = new LinkRequests(() => now)
    for (let i = 0; i < MAX_PENDING; i++) requests.create(`b${i}`)
    assert.throws(() => requests.create('one more'), TooManyLinkRequestsError)
    now += LINK_REQUEST_TTL_MS // the waiting ones end
    for (let i = 0; i < MAX_PER_MINUTE - MAX_PENDING; i++) requests.create(`c${i}`)
    now += LINK_REQUEST_TTL_MS
    assert.doesNotThrow(() => requests.create('a new minute'))
    const burst = new LinkRequests(() => now)
    let made = 0
    for (let i = 0; i < 20; i++) {
      try { burst.create('x'); made++ } catch (err) { assert.ok(err instanceof TooManyLinkRequestsError) }
      now += 1 // every request expires long after this minute
    }
    assert.equal(made, Math.min(MAX_PENDING, MAX_PER_MINUTE))
  })

  describe('over HTTP', function () {
    let web: WebServer
    const requests = new LinkRequests()
    const logged: string[] = []
    before(async function () {
      if (!webAppBuilt()) this.skip() // npm test always builds it
      web = await serveWeb({ port: 0, config: async () => ({ daemons: [], daemon: { peerId: 'p', name: 'alice', invite: 'i' } }), log: m => logged.push(m), linkRequests: requests })
    })
    after(async () => { await web?.close() })

    const post = async (body: string, type = 'application/json'): Promise<Response> => await fetch(new URL('/link-requests', web.url), { method: 'POST', headers: { 'content-type': type }, body })

    it('a JSON POST makes a request (logged without its code: the user takes it from the page); the page polls it with its id', async () => {
      const res = await post(JSON.stringify({ name: 'browser' }))
      assert.equal(res.status, 201)
      const made = await res.json() as { id: string, code: string, expiresAt: number }
      assert.ok(logged.some(l => l.includes('a browser asks to link')))
      assert.ok(!logged.some(l => l.includes(made.code)), 'the code is on the page only')
      assert.deepEqual(await (await fetch(new URL(`/link-requests/${made.id}`, web.url))).json(), { state: 'waiting', expiresAt: made.expiresAt })
      await requests.approve(made.code, async () => 'ferry://link/abc')
      assert.deepEqual(await (await fetch(new URL(`/link-requests/${made.id}`, web.url))).json(), { state: 'approved', link: 'ferry://link/abc' })
      assert.deepEqual(await (await fetch(new URL(`/link-requests/${made.id}`, web.url))).json(), { state: 'gone' })
    })

    it('refuses what a page of another origin could send without a preflight, an oversized body, and a flood', async () => {
      assert.equal((await post(JSON.stringify({ name: 'x' }), 'text/plain')).status, 415)
      assert.equal((await post('x'.repeat(2048))).status, 400)
      assert.equal((await fetch(new URL('/link-requests', web.url), { method: 'PUT' })).status, 405)
      const statuses: number[] = []
      for (let i = 0; i < MAX_PENDING + 2; i++) statuses.push((await post('{}')).status)
      assert.ok(statuses.includes(429), `statuses: ${statuses.join(',')}`)
      assert.ok(statuses.filter(s => s === 201).length <= MAX_PENDING)
    })
  })
})
