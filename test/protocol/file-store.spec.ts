import { MemoryFileStore } from '../../protocol/index.js'
import { fileStoreCompliance } from './file-store.suite.js'

fileStoreCompliance('in-memory', () => new MemoryFileStore())
