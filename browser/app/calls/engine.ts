/**
 * The call engine (docs/CALLS.md): one call at a time in this tab, a WebRTC peer connection for
 * its media, and the signals that set it up and end it, sent and heard through `ferry.calls`
 * (sealed in the ratchet with the contact: the DTLS fingerprints in the SDP are the session's to
 * vouch for). Offers and answers go once ICE gathering is complete (host candidates take
 * milliseconds; no STUN or TURN unless Settings names one); later candidates follow in a
 * `candidates` signal. Whoever ends a call sends its record; a call not answered in RING_MS is a
 * missed call. Loaded on demand: the first call placed or the first ring.
 */
import { RING_MS } from '../../../protocol/calls/signals.js'
import { toHex } from '../../../protocol/util/bytes.js'
import { loadSettings } from '../settings.js'
import type { CallRecord, ReceivedSignal, Signal } from '../../../protocol/calls/signals.js'
import type { FerryTab } from '../tab.js'

/** Longest wait for ICE gathering before an offer or answer goes anyway. */
export const GATHER_MS = 3_000
/** Longest wait from the answer to a connected call. */
export const CONNECT_MS = 20_000
/** How long an ended call's screen stays. */
export const ENDED_SHOWN_MS = 4_000
/** How often a ringing caller looks whether its offer could be delivered. */
const OFFER_CHECK_MS = 500

export type Phase = 'ringing' | 'calling' | 'connecting' | 'active' | 'ended'

export interface CallState {
  id: string
  contact: string
  video: boolean
  direction: 'in' | 'out'
  phase: Phase
  /** the contact's device in the call (known once it answered, or from the offer) */
  peer?: string
  connectedAt?: number
  muted: boolean
  cameraOff: boolean
  /** why the call ended, in words */
  ended?: string
  local?: MediaStream
  remote?: MediaStream
  /** media frames are sealed again under keys sent inside the ratchet (frames-worker.ts) */
  frames: boolean
}

/** WebRTC encoded transforms, where the browser has them (Chromium does). */
const ScriptTransform: (new (worker: Worker, options: unknown) => unknown) | undefined = (globalThis as any).RTCRtpScriptTransform

/**
 * The frame cipher of one call: a worker running every transform, and what it counted. Chromium
 * takes a transform only when it is set before the session description is applied, so both
 * directions are set at once; the other side's key follows when it is known.
 */
class FrameCipher {
  readonly worker = new Worker('/frames-worker.js', { type: 'module', name: 'ferry-frames' })
  readonly key = crypto.getRandomValues(new Uint8Array(32))
  counts = { sealed: 0, opened: 0, failed: 0 }
  constructor (pc: RTCPeerConnection, onCounts: () => void) {
    this.worker.onmessage = e => { this.counts = e.data; onCounts() }
    preferVp8(pc)
    for (const s of pc.getSenders()) if (s.track != null) (s as any).transform = new (ScriptTransform as any)(this.worker, { mode: 'seal', key: this.key, kind: s.track.kind })
    for (const r of pc.getReceivers()) (r as any).transform = new (ScriptTransform as any)(this.worker, { mode: 'open', kind: r.track.kind })
  }

  /** The other side's key, from its offer or answer. */
  theirs (key: Uint8Array): void { this.worker.postMessage({ theirKey: key }) }
}

export class CallEngine extends EventTarget {
  call?: CallState
  /** the call's peer connection (tests read its stats) */
  pc?: RTCPeerConnection
  private offer?: string
  /** the call whose offer or answer went (late candidates follow it) */
  private sentDescription?: string
  /** the other side's media frame key (from its offer or answer) */
  private theirKey?: Uint8Array
  /** this call's frame cipher, when frames are sealed again */
  cipher?: FrameCipher
  private timers: Array<ReturnType<typeof setTimeout>> = []
  private late: string[] = []

  constructor (private readonly tab: FerryTab) { super() }

  private changed (): void { this.dispatchEvent(new Event('change')) }

  private busy (): boolean { return this.call != null && this.call.phase !== 'ended' }

  /** Call a contact. @throws when a call is on, or the microphone or camera cannot be had */
  async place (contact: string, video: boolean): Promise<void> {
    if (this.busy()) throw new Error('You are in a call already: hang up first.')
    const id = toHex(crypto.getRandomValues(new Uint8Array(16)))
    const local = await media(video)
    this.call = { id, contact, video, direction: 'out', phase: 'calling', muted: false, cameraOff: false, local, frames: false }
    this.changed()
    try {
      const pc = this.connect(local)
      // frames sealed again under a key that travels in the (ratchet-sealed) offer, where transforms exist
      this.cipher = ScriptTransform == null ? undefined : new FrameCipher(pc, () => { this.changed() })
      await pc.setLocalDescription(await pc.createOffer())
      await gathered(pc)
      if (this.call?.id !== id) return
      const sent = await this.signal({ call: id, kind: 'offer', sdp: pc.localDescription?.sdp, video, mediaKey: this.cipher?.key })
      this.watchOffer(id, sent.id)
      this.after(RING_MS, id, () => { void this.end('No answer', { video, outcome: 'missed' }) })
    } catch (err: any) {
      await this.end(`The call could not start: ${String(err?.message ?? err)}`)
      throw err
    }
  }

  /** Take the ringing call. */
  async accept (): Promise<void> {
    const call = this.call
    if (call?.phase !== 'ringing' || this.offer == null) return
    try {
      call.local = await media(call.video)
      call.phase = 'connecting'
      this.changed()
      const pc = this.connect(call.local)
      this.cipher = undefined
      if (this.theirKey != null && ScriptTransform != null) {
        this.cipher = new FrameCipher(pc, () => { this.changed() })
        this.cipher.theirs(this.theirKey)
        call.frames = true
      }
      await pc.setRemoteDescription({ type: 'offer', sdp: this.offer })
      await pc.setLocalDescription(await pc.createAnswer())
      await gathered(pc)
      if (this.call?.id !== call.id) return
      await this.signal({ call: call.id, kind: 'answer', sdp: pc.localDescription?.sdp, mediaKey: this.cipher?.key })
      this.after(CONNECT_MS, call.id, () => { if (this.call?.phase === 'connecting') void this.end('The call could not connect', true) })
    } catch (err: any) {
      await this.signal({ call: call.id, kind: 'decline' }).catch(() => {})
      await this.end(`The call could not start: ${String(err?.message ?? err)}`)
    }
  }

  /** Turn the ringing call down (the caller records it). */
  async decline (): Promise<void> {
    const call = this.call
    if (call?.phase !== 'ringing') return
    await this.end('Declined')
    await this.signal({ call: call.id, kind: 'decline' }, call.contact)
  }

  /** End the call: its record goes to the contact (a call never answered is a missed one). */
  async hangUp (): Promise<void> {
    const call = this.call
    if (call == null || call.phase === 'ended') return
    if (call.phase === 'ringing') return await this.decline()
    const record: CallRecord = call.phase === 'calling' ? { video: call.video, outcome: 'missed' } : { video: call.video, outcome: 'ended', durationMs: call.connectedAt == null ? 0 : Date.now() - call.connectedAt }
    await this.end('Call ended', record)
  }

  toggleMute (): void {
    const call = this.call
    if (call?.local == null) return
    call.muted = !call.muted
    for (const t of call.local.getAudioTracks()) t.enabled = !call.muted
    this.changed()
  }

  toggleCamera (): void {
    const call = this.call
    if (call?.local == null || !call.video) return
    call.cameraOff = !call.cameraOff
    for (const t of call.local.getVideoTracks()) t.enabled = !call.cameraOff
    this.changed()
  }

  /** A contact's signal (CallHost hands every one over, in order). */
  async receive (s: ReceivedSignal): Promise<void> {
    if (s.contact == null) return
    const call = this.call
    const ours = call != null && call.id === s.call && call.contact === s.contact && (call.peer == null || call.peer === s.peer)
    if (s.kind === 'offer') {
      if (ours) return // a copy to another of our devices, or a repeat
      if (Date.now() - s.sentAt > RING_MS) return // rang out before it arrived: the caller records it missed
      if (this.busy()) {
        await this.signal({ call: s.call, kind: 'busy' }, s.contact).catch(() => {})
        return
      }
      this.clear()
      this.offer = s.sdp
      this.theirKey = s.mediaKey
      this.call = { id: s.call, contact: s.contact, video: s.video === true, direction: 'in', phase: 'ringing', peer: s.peer, muted: false, cameraOff: false, frames: false }
      this.after(RING_MS - Math.max(0, Date.now() - s.sentAt), s.call, () => { if (this.call?.phase === 'ringing') void this.end('Missed call') })
      this.changed()
      return
    }
    if (!ours || call == null || call.phase === 'ended') return
    if (s.kind === 'answer' && call.direction === 'out' && call.phase === 'calling' && s.sdp != null) {
      call.peer = s.peer
      call.phase = 'connecting'
      if (this.cipher != null && this.pc != null) {
        if (s.mediaKey != null) {
          this.cipher.theirs(s.mediaKey)
          call.frames = true
        } else {
          // the callee neither seals nor opens frames: take the transforms off (media may not survive)
          for (const t of [...this.pc.getSenders(), ...this.pc.getReceivers()]) (t as any).transform = null
        }
      }
      this.changed()
      await this.pc?.setRemoteDescription({ type: 'answer', sdp: s.sdp }).catch(async (err: any) => { await this.end(`The call could not connect: ${String(err?.message)}`, { video: call.video, outcome: 'failed' }) })
      this.after(CONNECT_MS, call.id, () => { if (this.call?.phase === 'connecting') void this.end('The call could not connect', { video: call.video, outcome: 'failed' }) })
    } else if (s.kind === 'candidates') {
      for (const c of s.candidates ?? []) {
        try { await this.pc?.addIceCandidate(JSON.parse(c)) } catch {} // a bad candidate is one path fewer
      }
    } else if (s.kind === 'hangup' && call.phase === 'connecting') {
      // the other side gave up before media flowed (its DTLS check failed, say): the caller records it
      await this.end('The call could not connect', call.direction === 'out' && { video: call.video, outcome: 'failed' })
    } else if (s.kind === 'hangup') {
      await this.end(call.phase === 'ringing' ? 'Missed call' : 'Call ended')
    } else if (s.kind === 'busy' && call.direction === 'out') {
      await this.end(`${call.contact} is in another call`, { video: call.video, outcome: 'missed' })
    } else if (s.kind === 'decline' && call.direction === 'out') {
      await this.end(`${call.contact} declined`, { video: call.video, outcome: 'declined' })
    }
  }

  /** The peer connection for this call, its tracks added and its events followed. */
  private connect (local: MediaStream): RTCPeerConnection {
    const pc = new RTCPeerConnection({ iceServers: loadSettings().iceServers })
    this.pc = pc
    const id = this.call?.id
    for (const track of local.getTracks()) pc.addTrack(track, local)
    pc.ontrack = e => {
      if (this.call == null || this.call.id !== id) return
      this.call.remote = e.streams[0] ?? new MediaStream([e.track])
      this.changed()
    }
    pc.onicecandidate = e => {
      // gathered before the offer or answer went: in its SDP; a late one follows on its own
      if (e.candidate == null || pc.localDescription == null || this.sentDescription !== id) return
      this.late.push(JSON.stringify(e.candidate.toJSON()))
      if (this.late.length === 1) this.after(100, id ?? '', () => { void this.signal({ call: id ?? '', kind: 'candidates', candidates: this.late.splice(0, 32) }).catch(() => {}) })
    }
    pc.onconnectionstatechange = () => {
      const call = this.call
      if (call == null || call.id !== id || call.phase === 'ended') return
      if (pc.connectionState === 'connected' && call.phase !== 'active') {
        call.phase = 'active'
        call.connectedAt = Date.now()
        this.changed()
      } else if (pc.connectionState === 'failed') {
        // the caller keeps the record; a fingerprint that does not match ends here
        void this.end('The call could not connect', call.direction === 'in' || { video: call.video, outcome: call.connectedAt == null ? 'failed' : 'ended', durationMs: call.connectedAt == null ? undefined : Date.now() - call.connectedAt })
      }
    }
    return pc
  }

  private async signal (s: Signal, contact = this.call?.contact ?? '', record?: CallRecord): Promise<{ id: string }> {
    if (s.kind === 'offer' || s.kind === 'answer') this.sentDescription = s.call
    return await this.tab.ferry.calls.send(contact, s, record)
  }

  /** A ringing call whose offer cannot be delivered (refused, or undecryptable on arrival) has failed. */
  private watchOffer (call: string, message: string): void {
    const look = async (): Promise<void> => {
      if (this.call?.id !== call || this.call.phase !== 'calling') return
      const m = await this.tab.stores.messages.get(message, 'out')
      if (m?.status === 'failed') {
        await this.end(`The call could not be set up: ${m.error ?? 'the offer was refused'}`)
        return
      }
      this.after(OFFER_CHECK_MS, call, () => { void look() })
    }
    this.after(OFFER_CHECK_MS, call, () => { void look() })
  }

  /** End this call here; `tell`: send the contact a hang-up (with a record: the call's record). */
  private async end (why: string, tell: CallRecord | boolean = false): Promise<void> {
    const call = this.call
    if (call == null || call.phase === 'ended') return
    call.phase = 'ended'
    call.ended = why
    this.clear()
    for (const t of call.local?.getTracks() ?? []) t.stop()
    this.pc?.close()
    this.cipher?.worker.terminate()
    this.changed()
    this.after(ENDED_SHOWN_MS, call.id, () => {
      this.call = undefined
      this.changed()
    })
    if (tell !== false) await this.signal({ call: call.id, kind: 'hangup' }, call.contact, tell === true ? undefined : tell).catch(() => {})
    this.tab.changed()
  }

  private after (ms: number, call: string, fn: () => void): void {
    this.timers.push(setTimeout(() => { if (this.call?.id === call) fn() }, ms))
  }

  private clear (): void {
    for (const t of this.timers.splice(0)) clearTimeout(t)
    this.late = []
  }
}

/**
 * VP8 first: the frame cipher leaves VP8's header clear for the packetizer; a codec whose
 * packetizer reads the whole frame (H.264) would not survive sealing.
 */
function preferVp8 (pc: RTCPeerConnection): void {
  const codecs = RTCRtpReceiver.getCapabilities('video')?.codecs ?? []
  const vp8 = codecs.filter(c => /vp8/i.test(c.mimeType))
  if (vp8.length === 0) return
  const rest = codecs.filter(c => !/vp8/i.test(c.mimeType))
  for (const t of pc.getTransceivers()) {
    if (t.receiver.track?.kind === 'video') {
      try { t.setCodecPreferences([...vp8, ...rest]) } catch {} // a transceiver that cannot take them keeps its own
    }
  }
}

/** The microphone (and camera), with a message a person can act on when refused. */
async function media (video: boolean): Promise<MediaStream> {
  if (navigator.mediaDevices?.getUserMedia == null) throw new Error('This browser gives this page no microphone or camera (calls need a secure page).')
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video })
  } catch (err: any) {
    throw new Error(`Ferry cannot use your ${video ? 'microphone and camera' : 'microphone'} (${String(err?.name ?? err)}): allow it in the browser's site settings.`)
  }
}

/** Resolve when ICE gathering is complete, or after GATHER_MS. */
async function gathered (pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return
  await new Promise<void>(resolve => {
    const timer = setTimeout(resolve, GATHER_MS)
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState !== 'complete') return
      clearTimeout(timer)
      resolve()
    })
  })
}
