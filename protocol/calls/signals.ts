/**
 * Call signalling (docs/CALLS.md): the offer, answer, late ICE candidates, hang-up, busy and
 * decline of a one-to-one call travel as ordinary end-to-end encrypted messages over the Ferry
 * session with the contact (a `CallSignal` in the content), so the DTLS fingerprints in the SDP
 * are vouched for by the ratchet: a relay, a mailbox host or a DHT node that alters one makes the
 * message fail authentication, and the call fails instead of connecting to it.
 *
 * A signal is a control message (hidden from history) that lives SIGNAL_TTL_MS: a minute late it
 * is useless, so it expires on the way and at mailboxes. The hang-up of a call is also its record:
 * a visible message whose text says what the call was ("📹 Video call · 1:23", "📞 Missed voice
 * call"), sent by whoever ends it, so both sides' histories show it and it disappears with the
 * conversation's timer like any message. Media never touches this module: the web app runs it
 * (browser/app/calls/).
 */
import { InvalidEnvelopeError } from '../errors.js'
import { fromHex, toHex } from '../util/bytes.js'
import { CallSignal } from '../pb/ferry.js'
import type { MessageView } from '../ferry-types.js'

/** Bytes of a call id. */
export const CALL_ID_BYTES = 16
/** How long a signal may take to arrive before it is worthless (its envelope's life). */
export const SIGNAL_TTL_MS = 60_000
/** How long a call rings before the caller gives up (a missed call). */
export const RING_MS = 45_000
/** Longest SDP taken (a two-track offer with host candidates is 3-6 KiB). */
export const MAX_SDP_CHARS = 16 * 1024
/** Most ICE candidates in one signal, and the longest one. */
export const MAX_CANDIDATES = 32
export const MAX_CANDIDATE_CHARS = 512
/** Bytes of a media frame key (an offer's or answer's, for its sender's frames). */
export const MEDIA_KEY_BYTES = 32

export type SignalKind = 'offer' | 'answer' | 'candidates' | 'hangup' | 'busy' | 'decline'

/** A signal as the app sends and sees it. */
export interface Signal {
  /** the call's id, lower-case hex */
  call: string
  kind: SignalKind
  sdp?: string
  candidates?: string[]
  video?: boolean
  /** offer, answer: the key this side encrypts its media frames under (inside DTLS-SRTP) */
  mediaKey?: Uint8Array
}

/** A signal received from a contact's device. */
export interface ReceivedSignal extends Signal {
  /** the device it came from: answers go to the contact, the call is with this device */
  peer: string
  /** the contact's name, when the device is a contact's */
  contact?: string
  /** when the sender sent it (its clock) */
  sentAt: number
}

const KINDS: Array<[SignalKind, CallSignal.Kind]> = [['offer', CallSignal.Kind.OFFER], ['answer', CallSignal.Kind.ANSWER], ['candidates', CallSignal.Kind.CANDIDATES], ['hangup', CallSignal.Kind.HANGUP], ['busy', CallSignal.Kind.BUSY], ['decline', CallSignal.Kind.DECLINE]]

/** The wire form of a signal. @throws InvalidEnvelopeError when it breaks a bound */
export function encodeSignal (s: Signal): CallSignal {
  const kind = KINDS.find(([k]) => k === s.kind)?.[1]
  if (kind == null) throw new InvalidEnvelopeError(`no call signal is called ${s.kind}`)
  const wire: CallSignal = { id: fromHex(s.call), kind, sdp: s.sdp ?? '', candidates: s.candidates ?? [], video: s.video === true, mediaKey: s.mediaKey }
  checkSignal(wire)
  return wire
}

/** A received signal's app form. @throws InvalidEnvelopeError when it is malformed or over a bound */
export function decodeSignal (wire: CallSignal): Signal {
  checkSignal(wire)
  const kind = KINDS.find(([, k]) => k === wire.kind)?.[0] ?? 'hangup'
  return { call: toHex(wire.id), kind, ...(wire.sdp === '' ? {} : { sdp: wire.sdp }), ...(wire.candidates.length === 0 ? {} : { candidates: wire.candidates }), video: wire.video, ...(wire.mediaKey == null ? {} : { mediaKey: wire.mediaKey }) }
}

/** Bounds every signal meets before anything reads it. @throws InvalidEnvelopeError */
export function checkSignal (s: CallSignal): void {
  if (s.id.byteLength !== CALL_ID_BYTES) throw new InvalidEnvelopeError(`a call id is ${CALL_ID_BYTES} bytes`)
  if (s.sdp.length > MAX_SDP_CHARS) throw new InvalidEnvelopeError(`a call's session description is over ${MAX_SDP_CHARS} characters`)
  if ((s.kind === CallSignal.Kind.OFFER || s.kind === CallSignal.Kind.ANSWER) && s.sdp === '') throw new InvalidEnvelopeError(`a call ${s.kind.toLowerCase()} carries a session description`)
  if (s.mediaKey != null && s.mediaKey.byteLength !== MEDIA_KEY_BYTES) throw new InvalidEnvelopeError(`a media key is ${MEDIA_KEY_BYTES} bytes`)
  if (s.candidates.length > MAX_CANDIDATES || s.candidates.some(c => c.length > MAX_CANDIDATE_CHARS)) throw new InvalidEnvelopeError(`a call signal carries at most ${MAX_CANDIDATES} candidates of ${MAX_CANDIDATE_CHARS} characters`)
}

/** How a call ended, as its record says. */
export type CallOutcome = 'ended' | 'missed' | 'declined' | 'failed'

/** A call's record in the history: what its hang-up message says. */
export interface CallRecord { video: boolean, outcome: CallOutcome, durationMs?: number }

/** The text of a call's record ("📹 Video call · 1:23", "📞 Missed voice call"). */
export function callRecordText (r: CallRecord): string {
  const icon = r.video ? '📹' : '📞'
  const what = r.video ? 'video call' : 'voice call'
  if (r.outcome === 'missed') return `${icon} Missed ${what}`
  if (r.outcome === 'declined') return `${icon} Declined ${what}`
  if (r.outcome === 'failed') return `${icon} ${capital(what)} failed`
  return `${icon} ${capital(what)} · ${callDuration(r.durationMs ?? 0)}`
}

/** A finished call's length as its record gives it: m:ss, the minutes unbounded ("75:02"). */
export function callDuration (ms: number): string {
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

const RECORD = /^(📞|📹) (?:(Missed|Declined) (?:voice|video) call|(?:Voice|Video) call (failed)|(?:Voice|Video) call · (\d+):(\d\d))$/u

/** A message text read back as a call record (the web app draws those as call items), if it is one. */
export function readCallRecord (text: string): CallRecord | undefined {
  const m = RECORD.exec(text)
  if (m == null) return undefined
  const video = m[1] === '📹'
  if (m[2] != null) return { video, outcome: m[2] === 'Missed' ? 'missed' : 'declined' }
  if (m[3] != null) return { video, outcome: 'failed' }
  return { video, outcome: 'ended', durationMs: (Number(m[4]) * 60 + Number(m[5])) * 1000 }
}

function capital (s: string): string { return s[0].toUpperCase() + s.slice(1) }

export interface CallSignalsInit {
  /** send a message to a contact carrying a signal (Conversations.send) */
  send(contact: string, text: string, options: { call: CallSignal, ttlMs?: number }): Promise<MessageView>
  /** the contact a device belongs to */
  nameOf(peer: string): Promise<string | undefined>
  log(format: string, ...args: unknown[]): void
}

/** The signalling half of calls, on every Ferry peer (`ferry.calls`): send signals, hear them. */
export class CallSignals {
  private readonly listeners = new Set<(s: ReceivedSignal) => void>()

  constructor (private readonly init: CallSignalsInit) {}

  /**
   * Send a signal to a contact (all its devices: an offer rings each). With `record`, a hang-up is
   * also the call's visible record and lives as the conversation's messages do.
   *
   * @returns the message carrying it (its status tells whether it could be delivered)
   */
  async send (contact: string, signal: Signal, record?: CallRecord): Promise<MessageView> {
    const call = encodeSignal(signal)
    if (record != null) return await this.init.send(contact, callRecordText(record), { call })
    return await this.init.send(contact, '', { call, ttlMs: SIGNAL_TTL_MS })
  }

  /** Hear every signal a contact sends; returns the function that stops listening. */
  listen (fn: (s: ReceivedSignal) => void): () => void {
    this.listeners.add(fn)
    return () => { this.listeners.delete(fn) }
  }

  /** Bounds a received signal meets before it is acknowledged. @throws InvalidEnvelopeError */
  check (wire: CallSignal): void { checkSignal(wire) }

  /** A contact's signal was received and stored (the Inbox calls this once per message). */
  async receive (wire: CallSignal, from: { peer: string, sentAt: number }): Promise<void> {
    let signal: Signal
    try {
      signal = decodeSignal(wire)
    } catch (err: any) {
      this.init.log('a call signal from %s is dropped: %s', from.peer, err.message)
      return
    }
    const received: ReceivedSignal = { ...signal, peer: from.peer, contact: await this.init.nameOf(from.peer), sentAt: from.sentAt }
    for (const fn of this.listeners) {
      try { fn(received) } catch (err: any) { this.init.log('a call listener failed: %s', err.message) }
    }
  }
}
