/**
 * `npm run fuzz`: every decoder target (targets.ts) on FUZZ_INPUTS inputs in all (default
 * 1,000,000), then FUZZ_STREAMS fuzzed streams against a real node (default 2,000). Prints the seed
 * (FUZZ_SEED replays it) and the count per target; exits 1 on the first mishandled input.
 */
import { fuzzTarget } from './fuzz.js'
import { fuzzStreams } from './streams.js'
import { fuzzTargets } from './targets.js'

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const total = Number(process.env.FUZZ_INPUTS ?? 1_000_000)
const streams = Number(process.env.FUZZ_STREAMS ?? 2_000)
console.log(`fuzz seed ${seed} (FUZZ_SEED=${seed} replays it): ${total} decoder inputs, ${streams} streams`)

const started = Date.now()
const targets = await fuzzTargets(Date.now())
const per = Math.ceil(total / targets.length)
let inputs = 0
let failed = false
for (const [i, target] of targets.entries()) {
  const r = await fuzzTarget(target, per, seed + i)
  inputs += r.runs
  console.log(`  ${r.name.padEnd(24)} ${String(r.runs).padStart(8)} inputs  ${String(r.refused).padStart(8)} refused  ${String(r.accepted).padStart(7)} accepted  ${(r.ms / 1000).toFixed(1).padStart(6)} s  heap ${r.heapMiB} MiB`)
  if (r.failure != null) {
    console.log(`FAILED ${r.name} (target seed ${seed + i}):\n${r.failure}`)
    failed = true
    break
  }
}
if (!failed) {
  try {
    const t = Date.now()
    const sent = await fuzzStreams(targets, streams, seed)
    console.log(`  streams: ${Object.entries(sent).map(([p, n]) => `${p} ${n}`).join(', ')} in ${((Date.now() - t) / 1000).toFixed(1)} s; the node still delivers`)
  } catch (err: any) {
    console.log(`FAILED streams: ${err.message}`)
    failed = true
  }
}
console.log(`fuzz: ${inputs} decoder inputs and ${failed ? 'FAILED' : `${streams} streams, no failure`} in ${((Date.now() - started) / 1000).toFixed(0)} s (seed ${seed})`)
process.exit(failed ? 1 : 0)
