/**
 * Where calls meet the app shell, in the bundle every start loads: it hears call signals and
 * loads the engine and the call screen (calls/call.ts) on the first ring or the first call
 * placed, handing every signal over in the order it came. Signals for no call in this tab are
 * dropped without loading anything.
 */
import { useEffect, useState } from 'preact/hooks'
import type { FerryTab } from '../tab.js'

type CallModule = typeof import('./call.js')

let loading: Promise<CallModule> | undefined
async function load (): Promise<CallModule> { return await (loading ??= import('./call.js')) }
const shown = new EventTarget()
/** signals are handed over one after another: an answer's description is set before its candidates */
let queue: Promise<void> = Promise.resolve()

/** Call a contact (voice, or video): loads the engine, shows the call screen. */
export async function placeCall (tab: FerryTab, contact: string, video: boolean): Promise<void> {
  const m = await load()
  shown.dispatchEvent(new Event('show'))
  await m.engineOf(tab).place(contact, video)
}

export function CallHost ({ tab, fail }: { tab: FerryTab, fail: (err: unknown) => void }): preact.JSX.Element | null {
  const [m, setModule] = useState<CallModule>()
  useEffect(() => {
    const show = (): void => { void load().then(setModule) }
    shown.addEventListener('show', show)
    const stop = tab.ferry.calls.listen(s => {
      if (s.kind !== 'offer' && loading == null) return // no call here: nothing to load
      queue = queue.then(async () => {
        const mod = await load()
        setModule(mod)
        await mod.engineOf(tab).receive(s)
      }).catch(fail)
    })
    return () => { stop(); shown.removeEventListener('show', show) }
  }, [tab])
  return m == null ? null : <m.CallScreen engine={m.engineOf(tab)} fail={fail} />
}
