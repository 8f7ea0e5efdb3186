/**
 * Ferrying: anti-entropy between two members of a room. Each says what it holds in a compact
 * Summary (its DAG heads, and per sender and epoch the message numbers it holds as ranges); the
 * other answers with the ops and messages the summary lacks, ops first and in causal order, within
 * a byte budget. A message thus reaches a unit through whichever teammate meets it first
 * (docs/groups.md "Delivery and ferrying"). Pure: the group service carries the bytes.
 */
import { equalBytes, fromHex, toHex } from '../util/bytes.js'
import { MalformedOpError } from './errors.js'
import { chainIndex, chainsOf, wellFormed } from './receipts.js'
import { Summary } from './pb/groups.js'
import type { Room } from './room.js'

/** Bounds on a summary, checked before anything is allocated from it. */
export const MAX_SUMMARY_BYTES = 64 * 1024
const MAX_HEADS = 64
const MAX_CHAINS = 1024
const MAX_RANGES = 64
/** What one answer carries at most. */
export const ANSWER_BUDGET_BYTES = 256 * 1024

/** What a room holds, to send a fellow member. */
export function summarize (room: Room): Uint8Array {
  const chains = chainsOf(room.kept.values(), MAX_CHAINS, MAX_RANGES)
  return Summary.encode({ group: room.group, heads: room.log.heads().slice(0, MAX_HEADS).map(fromHex), chains })
}

/**
 * Read a fellow member's summary.
 *
 * @throws MalformedOpError when it is oversized or out of shape
 */
export function readSummary (bytes: Uint8Array): Summary {
  if (bytes.byteLength > MAX_SUMMARY_BYTES) throw new MalformedOpError(`a summary is at most ${MAX_SUMMARY_BYTES} bytes`)
  let s: Summary
  try {
    s = Summary.decode(bytes, { limits: { heads: MAX_HEADS, chains: MAX_CHAINS, chains$: { ranges: 2 * MAX_RANGES } } })
  } catch (err: any) {
    throw new MalformedOpError(`unreadable summary: ${err.message}`)
  }
  if (s.heads.some(h => h.byteLength !== 32) || s.chains.some(c => !wellFormed(c))) throw new MalformedOpError('a summary field has the wrong length')
  return s
}

/**
 * What `room` holds that the summary's sender lacks: ops not in the causal past of its heads (all
 * of them when it names a head we do not hold), then messages outside its ranges; within budget.
 *
 * @throws MalformedOpError for a bad summary or one of another room
 */
export function answer (room: Room, summaryBytes: Uint8Array, budget = ANSWER_BUDGET_BYTES): { ops: Uint8Array[], messages: Uint8Array[] } {
  const summary = readSummary(summaryBytes)
  if (!equalBytes(summary.group, room.group)) throw new MalformedOpError('the summary is of another room')
  const heads = summary.heads.map(toHex).filter(h => room.log.has(h))
  const theirs = (id: string): boolean => heads.some(h => h === id || room.log.isBefore(id, h))
  const out = { ops: [] as Uint8Array[], messages: [] as Uint8Array[] }
  let left = budget
  for (const op of room.log.ops()) {
    if (theirs(op.id)) continue
    if (op.bytes.byteLength > left) return out
    out.ops.push(op.bytes)
    left -= op.bytes.byteLength
  }
  const has = chainIndex(summary.chains)
  for (const m of room.kept.values()) {
    if (has(m)) continue
    if (m.bytes.byteLength > left) return out
    out.messages.push(m.bytes)
    left -= m.bytes.byteLength
  }
  return out
}
