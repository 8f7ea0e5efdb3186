/**
 * What loads on the first call or ring: the engine (one per tab) and its screen. The test hook
 * `ferryCall` is the engine, for reading the peer connection's stats — never keys.
 */
import { CallEngine } from './engine.js'
export { CallScreen } from './screen.js'

let engine: CallEngine | undefined

export function engineOf (tab: ConstructorParameters<typeof CallEngine>[0]): CallEngine {
  if (engine == null) {
    engine = new CallEngine(tab)
    ;(globalThis as any).ferryCall = engine
  }
  return engine
}
