/**
 * A view loaded the first time it is shown (screens a session may never open stay out of the
 * bundle every start loads): "Loading…" for the moment it takes, then the view itself.
 */
import { useEffect, useState } from 'preact/hooks'
import type { FunctionComponent } from 'preact'

export function lazyView<P extends object> (load: () => Promise<FunctionComponent<P>>): FunctionComponent<P> {
  let loaded: FunctionComponent<P> | undefined
  return function Lazy (props: P) {
    const [View, setView] = useState<FunctionComponent<P> | undefined>(() => loaded)
    useEffect(() => {
      if (loaded == null) void load().then(v => { loaded = v; setView(() => v) })
    }, [])
    return View == null ? <p class='hint'>Loading…</p> : <View {...props} />
  }
}
