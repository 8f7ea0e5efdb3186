import { memoryStores } from '../../protocol/memory-stores.js'
import { storeCompliance } from './stores.suite.js'

storeCompliance('in-memory', () => memoryStores())
