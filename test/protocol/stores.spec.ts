import { memoryStores } from '../../protocol/stores/memory/stores.js'
import { storeCompliance } from './stores.suite.js'

storeCompliance('in-memory', () => memoryStores())
