/**
 * Test page (test/browser/stores.spec.ts): the shared store compliance suites against the
 * IndexedDB stores in Chromium, a fresh database per test, and the browser-only checks.
 */
import { mailboxStoreCompliance } from '../../protocol/mailbox-store.suite.js'
import { prekeyStoreCompliance } from '../../protocol/prekey-store.suite.js'
import { roomStoreCompliance } from '../../protocol/room-store.suite.js'
import { fileStoreCompliance } from '../../protocol/file-store.suite.js'
import { storeCompliance } from '../../protocol/stores.suite.js'
import { freshStores } from './fresh-stores.mjs'
import './idb-checks.mjs'

storeCompliance('IndexedDB', async () => (await freshStores()).stores)
prekeyStoreCompliance('IndexedDB', async () => (await freshStores()).stores.prekeys)
mailboxStoreCompliance('IndexedDB', async () => (await freshStores()).stores.mailbox)
roomStoreCompliance('IndexedDB', async () => (await freshStores()).stores.rooms)
fileStoreCompliance('IndexedDB', async () => (await freshStores()).stores.files)
