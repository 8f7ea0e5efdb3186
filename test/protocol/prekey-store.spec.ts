import { MemoryPrekeyStore } from '../../protocol/stores/memory/prekeys.js'
import { prekeyStoreCompliance } from './prekey-store.suite.js'

prekeyStoreCompliance('in-memory', () => new MemoryPrekeyStore())
