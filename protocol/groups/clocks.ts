/**
 * Version vectors of the membership log (membership.ts): each device of an author writes its own
 * chain of ops, and a causal past is the highest seq it holds of every chain.
 */
import { toHex } from '../util/bytes.js'
import type { GroupOp } from './ops.js'

/** The chain an op extends: its author's device. */
export function chainOf (op: GroupOp): string {
  return `${toHex(op.author)}/${toHex(op.device)}`
}

export function maxClock (clocks: number[][]): number[] {
  const out: number[] = []
  for (const c of clocks) for (let i = 0; i < c.length; i++) if ((out[i] ?? 0) < c[i]) out[i] = c[i]
  return out
}

/** A clock as a memo key: trailing zeros dropped, so clocks from before a new author match. */
export function clockKey (clock: number[]): string {
  let end = clock.length
  while (end > 0 && (clock[end - 1] ?? 0) === 0) end--
  return Array.from(clock.slice(0, end), n => n ?? 0).join(',')
}
