/** How the app words delivery states, durations and times (docs/DESIGN.md invariant 5: every send ends in a visible state). */
import type { MessageRecord } from '../../protocol/stores/stores.js'
import { callDuration } from '../../protocol/calls/signals.js'
import type { CallRecord } from '../../protocol/calls/signals.js'

/** The delivery state of a message as the user reads it. */
export function stateLabel (m: MessageRecord): string {
  if (m.direction === 'in') return m.status === 'read' ? 'read' : 'new'
  switch (m.status) {
    case 'queued': return 'queued'
    case 'stored': {
      const n = m.mailboxes?.length ?? 0
      return `stored at ${n} mailbox${n === 1 ? '' : 'es'}`
    }
    case 'failed': return `failed: ${m.error ?? 'unknown reason'}`
    default: return m.status
  }
}

/** Disappearing-message timers offered in a conversation (ms; undefined: off). */
export const TIMERS: Array<{ label: string, ms?: number }> = [
  { label: 'off' },
  { label: '30 seconds', ms: 30_000 },
  { label: '5 minutes', ms: 5 * 60_000 },
  { label: '1 hour', ms: 60 * 60_000 },
  { label: '1 day', ms: 24 * 60 * 60_000 },
  { label: '1 week', ms: 7 * 24 * 60 * 60_000 }
]

/** "4m 10s", "2h", "3d 4h": the time left until `at`. */
export function timeLeft (at: number, now = Date.now()): string {
  let s = Math.max(0, Math.round((at - now) / 1000))
  const units: Array<[string, number]> = [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]]
  const parts: string[] = []
  for (const [u, size] of units) {
    if (s >= size || (parts.length === 0 && u === 's')) {
      parts.push(`${Math.floor(s / size)}${u}`)
      s %= size
    }
    if (parts.length === 2) break
  }
  return parts.join(' ')
}

/** Clock time for today's messages, date and time for older ones. */
export function when (t: number, now = Date.now()): string {
  const d = new Date(t)
  const sameDay = new Date(now).toDateString() === d.toDateString()
  return sameDay ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

/** Safety-number digits in groups of five, as Signal shows them. */
export function groupDigits (digits: string): string[] {
  return digits.replace(/\s+/g, '').match(/.{1,5}/g) ?? []
}

/** Picture types the web app shows as pictures (raster formats only: never SVG). */
export const VIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

/** A call's record as each side reads it ("Missed video call" to the callee, "Video call · no answer" to the caller). */
export function callLabel (r: CallRecord, direction: 'in' | 'out'): string {
  const what = r.video ? 'video call' : 'voice call'
  const What = r.video ? 'Video call' : 'Voice call'
  if (r.outcome === 'missed') return direction === 'in' ? `Missed ${what}` : `${What} · no answer`
  if (r.outcome === 'declined') return direction === 'in' ? `You declined a ${what}` : `${What} · declined`
  if (r.outcome === 'failed') return `${What} · could not connect`
  return `${What} · ${callDuration(r.durationMs ?? 0)}`
}
