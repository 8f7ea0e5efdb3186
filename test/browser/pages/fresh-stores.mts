/**
 * Fresh IndexedDB databases for page tests: each `freshStores()` opens a database of its own,
 * and a root-level afterEach closes and deletes every database the test opened.
 */
import { deleteBrowserStores, openBrowserStores } from '../../../browser/store/index.js'
import type { BrowserStoreOptions, BrowserStores } from '../../../browser/store/index.js'

const opened: Array<{ name: string, close: () => void }> = []
let count = 0

/** A database name no other test uses. */
export function freshName (): string {
  return `ferry-test-${Date.now()}-${count++}`
}

/** Remember a database to close and delete after the test. */
export function track (name: string, close: () => void = () => {}): void {
  opened.push({ name, close })
}

/** Open stores on a new database (deleted after the test); `name` reopens one made before. */
export async function freshStores (name: string = freshName(), options: BrowserStoreOptions = {}): Promise<BrowserStores & { name: string }> {
  const stores = await openBrowserStores(name, options)
  track(name, stores.close)
  return { ...stores, name }
}

afterEach(async () => {
  const done = opened.splice(0)
  for (const o of done) o.close()
  for (const name of new Set(done.map(o => o.name))) await deleteBrowserStores(name)
})
