/**
 * The decoder fuzzer: run each target on `runs` inputs from fuzzInput (fast-check, seeded), and
 * require that every input is decoded or refused with one of the target's typed errors — never
 * another error, an unhandled rejection or unbounded memory.
 */
import fc from 'fast-check'
import { fuzzInput } from './inputs.js'
import type { FuzzTarget } from './targets.js'

/** Heap a fuzz run may use at most after a target (the npm script also caps the old space). */
export const FUZZ_HEAP_LIMIT = 384 * 1024 * 1024

export interface TargetResult {
  name: string
  runs: number
  refused: number
  accepted: number
  ms: number
  heapMiB: number
  /** fast-check's report (seed, path, shrunk counterexample), when an input was mishandled */
  failure?: string
}

/** Fuzz one target; never throws: a mishandled input is reported in `failure`. */
export async function fuzzTarget (target: FuzzTarget, runs: number, seed: number): Promise<TargetResult> {
  let refused = 0
  let accepted = 0
  const rejections: unknown[] = []
  const onRejection = (err: unknown): void => { rejections.push(err) }
  process.on('unhandledRejection', onRejection)
  const started = Date.now()
  let failure: string | undefined
  try {
    await fc.assert(fc.asyncProperty(fuzzInput(target.seeds), async input => {
      try {
        await target.run(input)
        accepted++
      } catch (err: any) {
        if (!target.refusals.some(c => err instanceof c)) throw new Error(`${target.name}: untyped ${err?.name ?? typeof err}: ${err?.message ?? String(err)}`)
        refused++
      }
    }), { seed, numRuns: runs, includeErrorInReport: true })
  } catch (err: any) {
    failure = err.message
  }
  await new Promise(resolve => setImmediate(resolve)) // let a stray rejection surface
  process.off('unhandledRejection', onRejection)
  if (failure == null && rejections.length > 0) failure = `unhandled rejection: ${String(rejections[0])}`
  const heap = process.memoryUsage().heapUsed
  if (failure == null && heap > FUZZ_HEAP_LIMIT) failure = `heap at ${Math.round(heap / 2 ** 20)} MiB after ${target.name}`
  return { name: target.name, runs: refused + accepted, refused, accepted, ms: Date.now() - started, heapMiB: Math.round(heap / 2 ** 20), failure }
}
