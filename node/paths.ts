/** Where a node keeps its data (docs/DESIGN.md "Defaults": $FERRY_DATA_DIR, else XDG, else ~/.local/share). */
import { chmodSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export function dataDir (flag?: string): string {
  if (flag != null && flag !== '') return resolve(flag)
  if (process.env.FERRY_DATA_DIR != null && process.env.FERRY_DATA_DIR !== '') return resolve(process.env.FERRY_DATA_DIR)
  const xdg = process.env.XDG_DATA_HOME
  return join(xdg != null && xdg !== '' ? xdg : join(homedir(), '.local', 'share'), 'ferry')
}

export interface DataFiles { dir: string, db: string, key: string, config: string, api: string, token: string, socket: string }

/** The paths inside a data dir; touches nothing. */
export function dataPaths (dir: string): DataFiles {
  return {
    dir,
    db: join(dir, 'ferry.db'),
    key: join(dir, 'identity.key'),
    config: join(dir, 'config.json'),
    api: join(dir, 'api.json'),
    token: join(dir, 'api-token'),
    /** the control API's Unix socket (`ferry start --api-socket`) */
    socket: join(dir, 'api.sock')
  }
}

/** Create the data dir (0700) if needed and return the paths inside it. */
export function dataFiles (dir: string): DataFiles {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700) // also when the user made the folder: it holds keys and messages
  return dataPaths(dir)
}
