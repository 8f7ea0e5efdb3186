/** The SQLite FileStore: the compliance suite in the clear and sealed at rest. */
import { AtRestCipher } from '../../node/at-rest.js'
import { SqliteFileStore } from '../../node/store/files.js'
import { fileStoreCompliance } from '../protocol/file-store.suite.js'
import { TempDatabases } from './temp-databases.js'

describe('SQLite FileStore', function () {
  this.timeout(60_000)
  const temp = new TempDatabases()
  afterEach(async () => { await temp.cleanup() })
  fileStoreCompliance('SQLite', async () => new SqliteFileStore(temp.open(await temp.path())))
  fileStoreCompliance('SQLite, sealed at rest', async () => new SqliteFileStore(temp.open(await temp.path()), new AtRestCipher(AtRestCipher.generateKey())))
})
