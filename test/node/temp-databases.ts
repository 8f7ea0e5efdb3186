/** SQLite databases in fresh temporary directories for store tests; `cleanup()` closes and removes them all. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../node/store/sqlite.js'
import type { DatabaseSync } from 'node:sqlite'

export class TempDatabases {
  /** every database opened, in order */
  readonly opened: DatabaseSync[] = []
  private readonly dirs: string[] = []

  /** A database file path in a fresh temporary directory. */
  async path (): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-sqlite-'))
    this.dirs.push(dir)
    return join(dir, 'ferry.db')
  }

  /** Open (and migrate) the database at `path`; closed by cleanup(). */
  open (path: string): DatabaseSync {
    const db = openDatabase(path)
    this.opened.push(db)
    return db
  }

  async cleanup (): Promise<void> {
    for (const db of this.opened.splice(0)) if (db.isOpen) db.close()
    await Promise.all(this.dirs.splice(0).map(async d => rm(d, { recursive: true, force: true })))
  }
}
