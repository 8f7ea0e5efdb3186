/**
 * Time to first frame of a video call (docs/CALLS.md): two Chromium pages with fake media devices
 * in a lab namespace (test/browser/lab.ts), the callee accepting as soon as it rings; from the
 * caller's `place()` to the first decoded frame of the callee's video at the caller. Baseline, in
 * the same pages and run: two bare RTCPeerConnections with the same media whose offer and answer
 * the bench hands over itself (no Ferry, no ratchet, no network hop for the signalling), from
 * createOffer to the first decoded frame. Needs root, iproute2 and /usr/bin/chromium (else no rows).
 */
import { haveNetns } from '../node/netns.js'
import { haveChromium } from '../browser/chromium.js'
import { WebLab } from '../browser/lab.js'
import { percentile } from './index.js'
import type { Row } from './index.js'
import type { Page } from 'playwright-core'

const CALLS = 5
const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']

/** Put the bench's helpers in a page: the first decoded video frame, and ICE gathering done. */
async function helpers (p: Page): Promise<void> {
  await p.evaluate(() => {
    const g = globalThis as any
    // ms from `t0` to the first decoded inbound video frame of `pc`
    g.benchFirstFrame = async (pc: any, t0: number): Promise<number> => {
      while (performance.now() - t0 < 30_000) {
        for (const r of (await pc.getStats()).values()) if (r.type === 'inbound-rtp' && r.kind === 'video' && (r.framesDecoded ?? 0) > 0) return performance.now() - t0
        await new Promise(resolve => setTimeout(resolve, 5))
      }
      throw new Error('no frame within 30 s')
    }
    g.benchGathered = async (pc: any): Promise<void> => {
      if (pc.iceGatheringState === 'complete') return
      await new Promise<void>(resolve => {
        const t = setTimeout(resolve, 3000)
        pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve() } })
      })
    }
  })
}

async function ferryCall (a: Page, b: Page): Promise<number> {
  // the callee takes the call the moment it rings
  await b.evaluate(() => {
    const timer = setInterval(() => {
      const engine = (globalThis as any).ferryCall
      if (engine?.call?.phase === 'ringing') { clearInterval(timer); void engine.accept() }
    }, 2)
  })
  const ms = await a.evaluate(async () => {
    const g = globalThis as any
    const engine = g.ferryCall // loaded by the first call
    const t0 = performance.now()
    await engine.place('bob', true)
    return await g.benchFirstFrame(engine.pc, t0)
  })
  await a.evaluate(async () => { await (globalThis as any).ferryCall.hangUp() })
  await a.waitForFunction(() => (globalThis as any).ferryCall.call == null, undefined, { timeout: 30_000 })
  await b.waitForFunction(() => (globalThis as any).ferryCall.call == null, undefined, { timeout: 30_000 })
  return ms
}

/** Two bare peer connections in two pages, the offer and answer carried by the bench. */
async function rawCall (a: Page, b: Page): Promise<number> {
  const setup = async (p: Page): Promise<void> => {
    await p.evaluate(async () => {
      const g = globalThis as any
      g.rawPc?.close()
      g.rawPc = new g.RTCPeerConnection({ iceServers: [] })
      g.rawMedia ??= await g.navigator.mediaDevices.getUserMedia({ audio: true, video: true })
      for (const t of g.rawMedia.getTracks()) g.rawPc.addTrack(t, g.rawMedia)
    })
  }
  await Promise.all([setup(a), setup(b)])
  const offer = await a.evaluate(async () => {
    const g = globalThis as any
    g.rawT0 = performance.now()
    await g.rawPc.setLocalDescription(await g.rawPc.createOffer())
    await g.benchGathered(g.rawPc)
    return g.rawPc.localDescription.sdp as string
  })
  const answer = await b.evaluate(async (sdp: string) => {
    const g = globalThis as any
    await g.rawPc.setRemoteDescription({ type: 'offer', sdp })
    await g.rawPc.setLocalDescription(await g.rawPc.createAnswer())
    await g.benchGathered(g.rawPc)
    return g.rawPc.localDescription.sdp as string
  }, offer)
  const ms = await a.evaluate(async (sdp: string) => {
    const g = globalThis as any
    await g.rawPc.setRemoteDescription({ type: 'answer', sdp })
    return await g.benchFirstFrame(g.rawPc, g.rawT0) as number
  }, answer)
  // timed by the caller page's clock from createOffer; the bench's hand-over between pages is in it
  await Promise.all([a.evaluate(() => (globalThis as any).rawPc.close()), b.evaluate(() => (globalThis as any).rawPc.close())])
  return ms
}

export async function callsBench (): Promise<Row[]> {
  if (!haveNetns() || !haveChromium()) {
    console.log('  (calls: skipped, needs root, iproute2 and /usr/bin/chromium)')
    return []
  }
  const lab = new WebLab().setup()
  try {
    const dave = await lab.daemon('dave')
    const [a, b] = await lab.friends(dave.webUrl, FAKE_MEDIA)
    await a.openChat('bob')
    await a.send('hello')
    await b.openChat('alice')
    await b.until('the first message', ms => ms.some(m => m.text === 'hello'))
    // load the engine on both sides (a first call, not counted)
    await a.page.locator('[data-test=call-video]').click()
    await b.page.locator('[data-test=call-accept]').click({ timeout: 30_000 })
    await a.page.locator('[data-test=call][data-phase=active]').waitFor({ timeout: 30_000 })
    await a.page.locator('[data-test=call-hangup]').click()
    await a.page.waitForFunction(() => (globalThis as any).ferryCall.call == null, undefined, { timeout: 30_000 })
    await b.page.waitForFunction(() => (globalThis as any).ferryCall.call == null, undefined, { timeout: 30_000 })
    await Promise.all([helpers(a.page), helpers(b.page)])
    const ferry: number[] = []
    const raw: number[] = []
    for (let i = 0; i < CALLS; i++) {
      raw.push(await rawCall(a.page, b.page))
      ferry.push(await ferryCall(a.page, b.page))
    }
    ferry.sort((x, y) => x - y)
    raw.sort((x, y) => x - y)
    const f = percentile(ferry, 0.5)
    const r = percentile(raw, 0.5)
    return [{ name: 'call.video.first_frame_ms', unit: 'ms', value: f, baseline: r, ratio: f / r }]
  } finally {
    await lab.destroy()
  }
}
