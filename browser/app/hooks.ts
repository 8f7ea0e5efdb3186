/** Small Preact hooks the views share. */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { FerryTab } from './tab.js'

/** Re-render when the tab reports a change; returns its version. */
export function useVersion (tab: FerryTab): number {
  const [version, setVersion] = useState(tab.version)
  useEffect(() => {
    const on = (): void => { setVersion(tab.version) }
    tab.addEventListener('change', on)
    return () => { tab.removeEventListener('change', on) }
  }, [tab])
  return version
}

/**
 * The latest value of an async load, reloaded when `deps` change; undefined until the first load.
 * A load that finishes after a newer one started still shows (unless the newer one already did):
 * under a stream of changes every load would otherwise be superseded and nothing would update.
 */
export function useLoad<T> (load: () => Promise<T>, deps: unknown[]): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined)
  const started = useRef(0)
  const shown = useRef(0)
  useEffect(() => {
    const n = ++started.current
    load().then(v => {
      if (n < shown.current) return
      shown.current = n
      setValue(v)
    }, () => {})
  }, deps)
  return value
}

/** Re-render every `ms` (countdowns). */
export function useTick (ms: number): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const t = setInterval(() => { setNow(Date.now()) }, ms)
    return () => { clearInterval(t) }
  }, [ms])
  return now
}
