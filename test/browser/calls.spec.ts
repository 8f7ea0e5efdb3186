/**
 * Voice and video calls in the web app, in real headless Chromium with fake media devices
 * (`--use-fake-device-for-media-stream --use-fake-ui-for-media-stream`: a test pattern and a tone
 * stand in for the camera and microphone, which a test machine lacks). Two pages and a daemon in
 * the test's own network namespace (test/browser/lab.ts): a call connects over host candidates
 * with no STUN server, both peer connections receive audio and video and decode frames, hanging up
 * ends both and leaves the call's record in both histories; a missed and a declined call are
 * recorded; a signal altered on the way fails instead of connecting, and so does an answer to a
 * fingerprint that is not the caller's. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict'
import { waitFor } from '../node/harness.js'
import { screenshot } from './app-driver.js'
import type { AppPage } from './app-driver.js'
import { WebLab } from './lab.js'
import type { NsDaemon } from '../node/netns.js'

const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']

interface Received { audioBytes: number, videoBytes: number, framesDecoded: number, state: string }

/** What this page's call has received so far (its RTCPeerConnection's inbound-rtp stats). */
async function received (p: AppPage): Promise<Received> {
  return await p.page.evaluate(async () => {
    const pc: any = (globalThis as any).ferryCall?.pc
    const out = { audioBytes: 0, videoBytes: 0, framesDecoded: 0, state: pc?.connectionState ?? 'none' }
    if (pc == null) return out
    for (const r of (await pc.getStats()).values()) {
      if (r.type !== 'inbound-rtp') continue
      if (r.kind === 'audio') out.audioBytes += r.bytesReceived ?? 0
      if (r.kind === 'video') {
        out.videoBytes += r.bytesReceived ?? 0
        out.framesDecoded += r.framesDecoded ?? 0
      }
    }
    return out
  })
}

const phase = async (p: AppPage): Promise<string> => await p.page.locator('[data-test=call]').getAttribute('data-phase', { timeout: 1_000 }).catch(() => 'none') ?? 'none'

describe('calls in the web app (Chromium, fake media devices)', function () {
  this.timeout(300_000)
  let lab: WebLab
  let dave: NsDaemon & { webUrl: string }
  let a: AppPage
  let b: AppPage

  before(async function () {
    lab = WebLab.setupOrSkip(this)
    dave = await lab.daemon('dave')
    ;[a, b] = await lab.friends(dave.webUrl, FAKE_MEDIA)
    await a.openChat('bob')
    await b.openChat('alice')
    // the conversation is up both ways before anyone calls
    await a.send('hello')
    await b.until('alice\'s hello', ms => ms.some(m => m.text === 'hello'))
  })

  after(async () => { await lab?.destroy() })

  /** Wait until both pages show no call (the ended screen has gone). */
  async function bothIdle (): Promise<void> {
    await waitFor('both call screens closed', async () => await phase(a) === 'none' && await phase(b) === 'none', 30_000)
  }

  it('a video call: the callee accepts, both sides receive audio and video and decode frames, hang-up ends both, both histories record it', async () => {
    await a.page.locator('[data-test=call-video]').click()
    await a.page.locator('[data-test=call][data-phase=calling]').waitFor({ timeout: 15_000 })
    const ring = b.page.locator('[data-test=call][data-phase=ringing]')
    await ring.waitFor({ timeout: 30_000 })
    assert.match(await b.page.locator('[data-test=call-status]').textContent() ?? '', /alice is calling you \(video\)/)
    await screenshot(b.page, '43-call-ringing')
    await b.page.locator('[data-test=call-accept]').click()
    await a.page.locator('[data-test=call][data-phase=active]').waitFor({ timeout: 30_000 })
    await b.page.locator('[data-test=call][data-phase=active]').waitFor({ timeout: 30_000 })
    for (const [who, p] of [['alice', a], ['bob', b]] as const) {
      let last: Received | undefined
      await waitFor(`${who} receives audio and video and decodes frames`, async () => {
        last = await received(p)
        return last.audioBytes > 0 && last.videoBytes > 0 && last.framesDecoded > 0
      }, 30_000).catch(err => { throw new Error(`${err.message as string}: ${JSON.stringify(last)}`) })
    }
    // every frame went through the second cipher (WebRTC encoded transforms), none failed
    for (const [who, p] of [['alice', a], ['bob', b]] as const) {
      let seen = ''
      await waitFor(`${who}'s frames sealed and opened`, async () => await p.page.evaluate(() => {
        const e = (globalThis as any).ferryCall
        return JSON.stringify({ frames: e.call.frames, counts: e.cipher?.counts })
      }).then(state => { seen = state; const { frames, counts } = JSON.parse(state); return frames === true && counts.sealed > 50 && counts.opened > 50 }), 10_000)
        .catch(err => { throw new Error(`${err.message as string}: ${seen}`) })
      assert.equal(await p.page.evaluate(() => (globalThis as any).ferryCall.cipher.counts.failed), 0, `${who}: no frame failed to open`)
    }
    assert.match(await a.page.locator('[data-test=call-seal]').textContent() ?? '', /frames sealed twice/)
    // the duration runs, mute and camera act on this side's tracks
    await a.page.locator('[data-test=call-duration]').waitFor()
    await a.page.locator('[data-test=call-mute]').click()
    assert.equal(await a.page.evaluate(() => (globalThis as any).ferryCall.call.local.getAudioTracks().every((t: any) => !t.enabled)), true, 'muted: the microphone track is off')
    await a.page.locator('[data-test=call-camera]').click()
    assert.equal(await a.page.evaluate(() => (globalThis as any).ferryCall.call.local.getVideoTracks().every((t: any) => !t.enabled)), true, 'camera off: the video track is off')
    await a.page.locator('[data-test=call-mute]').click()
    await a.page.locator('[data-test=call-camera]').click()
    await new Promise(resolve => setTimeout(resolve, 1_500)) // a second on the clock for the record
    await screenshot(b.page, '44-call-active')
    await a.page.locator('[data-test=call-hangup]').click()
    await waitFor('bob\'s side ends too', async () => await phase(b) === 'ended' || await phase(b) === 'none', 15_000)
    assert.equal(await b.page.evaluate(() => (globalThis as any).ferryCall.pc.connectionState), 'closed')
    assert.equal(await a.page.evaluate(() => (globalThis as any).ferryCall.pc.connectionState), 'closed')
    for (const p of [a, b]) await p.until('the call\'s record', ms => ms.some(m => /^Video call · 0:0[1-9]$/.test(m.text)), 30_000)
    assert.equal(await b.page.locator('[data-test=message].call-record').count(), 1)
    await bothIdle()
    await screenshot(b.page, '45-call-record')
    assert.deepEqual([...a.errors, ...b.errors], [])
  })

  it('a call not answered is a missed call in the callee\'s history; a declined one is recorded as declined', async () => {
    await a.page.locator('[data-test=call-voice]').click()
    await b.page.locator('[data-test=call][data-phase=ringing]').waitFor({ timeout: 30_000 })
    await a.page.locator('[data-test=call-hangup]').click() // the caller gives up before an answer
    await waitFor('bob stops ringing', async () => await phase(b) !== 'ringing', 15_000)
    await b.until('a missed call', ms => ms.some(m => m.text === 'Missed voice call' && m.dir === 'in'), 30_000)
    await bothIdle()
    await a.page.locator('[data-test=call-voice]').click()
    await b.page.locator('[data-test=call][data-phase=ringing]').waitFor({ timeout: 30_000 })
    await b.page.locator('[data-test=call-decline]').click()
    await a.page.locator('[data-test=call][data-phase=ended]').waitFor({ timeout: 15_000 })
    assert.equal(await a.page.locator('[data-test=call-status]').textContent(), 'bob declined')
    await a.until('a declined call', ms => ms.some(m => m.text === 'Voice call · declined' && m.dir === 'out'), 30_000)
    await bothIdle()
  })

  it('a signal altered on the way (a relaying peer changing the fingerprint) fails instead of connecting', async () => {
    // the caller's connection carries the offer with one byte changed inside its sealed payload
    await a.page.evaluate(() => {
      const dm = (globalThis as any).ferryTab.ferry.libp2p.services.dm
      const send = dm.send.bind(dm)
      ;(globalThis as any).restoreDm = () => { dm.send = send }
      dm.send = async (connection: unknown, bytes: Uint8Array, options: unknown) => {
        // the payload is the envelope's last field: the sealed content, then padding (0x80, zeros);
        // the content's last field is the call signal, its SDP: change a byte just before the padding
        const altered = bytes.slice()
        let end = altered.byteLength - 1
        while (end > 0 && altered[end] === 0) end--
        altered[end - 40] ^= 0x01
        return send(connection, altered, options)
      }
    })
    try {
      await a.page.locator('[data-test=call-video]').click()
      await a.page.locator('[data-test=call][data-phase=ended]').waitFor({ timeout: 30_000 })
      assert.match(await a.page.locator('[data-test=call-status]').textContent() ?? '', /The call could not be set up: .*cannot decrypt/)
    } finally {
      await a.page.evaluate(() => (globalThis as any).restoreDm())
    }
    assert.equal(await phase(b), 'none', 'bob never rang')
    await bothIdle()

    // what a signalling channel the ratchet did not vouch for would let through: the callee
    // answers an offer whose fingerprint is not the caller's certificate's, and DTLS refuses it
    await b.page.evaluate(() => {
      const calls = (globalThis as any).ferryTab.ferry.calls
      ;(globalThis as any).originalReceive = calls.receive
      const receive = calls.receive.bind(calls)
      calls.receive = async (wire: any, from: unknown) => {
        if (wire.kind === 'OFFER') {
          wire = { ...wire, sdp: wire.sdp.replace(/a=fingerprint:sha-256 ([0-9A-F]{2})/g, (_: string, first: string) => `a=fingerprint:sha-256 ${first === '00' ? '01' : '00'}`) }
        }
        return receive(wire, from)
      }
    })
    await a.page.locator('[data-test=call-video]').click()
    await b.page.locator('[data-test=call][data-phase=ringing]').waitFor({ timeout: 30_000 })
    await b.page.locator('[data-test=call-accept]').click()
    await waitFor('both sides give up', async () => await phase(a) === 'ended' && await phase(b) === 'ended', 40_000)
    for (const p of [a, b]) {
      assert.match(await p.page.locator('[data-test=call-status]').textContent() ?? '', /could not connect/)
      assert.equal((await received(p)).framesDecoded, 0, 'no frame went through')
    }
    await a.until('the failed call\'s record', ms => ms.some(m => m.text === 'Video call · could not connect'), 30_000)
    await b.page.evaluate(() => { const calls = (globalThis as any).ferryTab.ferry.calls; calls.receive = (globalThis as any).originalReceive })
    await bothIdle()
  })

  it('media frames are sealed a second time under keys sent inside the ratchet: a wrong key decodes nothing even with DTLS up', async () => {
    // the callee is handed another frame key than the caller's (what a broken ratchet would give)
    await b.page.evaluate(() => {
      const calls = (globalThis as any).ferryTab.ferry.calls
      calls.receive = (globalThis as any).originalReceive ??= calls.receive
      const receive = calls.receive.bind(calls)
      calls.receive = async (wire: any, from: unknown) => {
        if (wire.kind === 'OFFER' && wire.mediaKey != null) wire = { ...wire, mediaKey: crypto.getRandomValues(new Uint8Array(32)) }
        return receive(wire, from)
      }
    })
    await a.page.locator('[data-test=call-video]').click()
    await b.page.locator('[data-test=call][data-phase=ringing]').waitFor({ timeout: 30_000 })
    await b.page.locator('[data-test=call-accept]').click()
    await a.page.locator('[data-test=call][data-phase=active]').waitFor({ timeout: 30_000 })
    await b.page.locator('[data-test=call][data-phase=active]').waitFor({ timeout: 30_000 })
    // alice opens bob's frames (her key for them is right); bob opens none of hers
    await waitFor('alice decodes bob\'s video', async () => (await received(a)).framesDecoded > 0, 30_000)
    await waitFor('bob\'s cipher refuses alice\'s frames', async () => await b.page.evaluate(() => (globalThis as any).ferryCall.cipher.counts.failed > 50), 30_000)
    const bob = await received(b)
    assert.ok(bob.videoBytes > 0, 'the frames arrive (DTLS-SRTP is up)')
    assert.equal(bob.framesDecoded, 0, 'but none decodes')
    assert.equal(await b.page.evaluate(() => (globalThis as any).ferryCall.cipher.counts.opened), 0)
    await a.page.locator('[data-test=call-hangup]').click()
    await b.page.evaluate(() => { const calls = (globalThis as any).ferryTab.ferry.calls; calls.receive = (globalThis as any).originalReceive })
    await bothIdle()
  })
})
