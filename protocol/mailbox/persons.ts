/**
 * A host serves every device of a person it keeps mail for (docs/DEVICES.md "Mailboxes"): it
 * keeps the newest signed device list each hosted identity's devices presented, with every device
 * any list revoked (revocations only grow), and lets a device the newest list names fetch, ack and
 * check its own mail under the hosting agreement made with another device of the person. A device
 * is judged by the newest list the host knows, whichever list it shows: one that shows an older
 * list is still served while the newest names it, and a revoked device is refused whatever list it
 * shows (while this host runs: the lists are kept in memory, and the person's devices present
 * theirs with every fetch).
 */
import { toString } from 'uint8arrays/to-string'
import { decodeDeviceList } from '../devices/device-list.js'
import { equalBytes, toHex } from '../util/bytes.js'
import type { DeviceList } from '../devices/device-list.js'
import type { HostedMailStore, HostedOwner } from '../stores/stores.js'

/** Identities whose lists a host keeps (only hosted ones are learnt). */
const MAX_LISTS = 1_000

interface Known { list: DeviceList, revoked: Set<string> }

export class PersonLists {
  private readonly known = new Map<string, Known>()

  /**
   * Take a presented list when it belongs to a hosted identity: the newest by sequence is kept, and
   * its revocations join every earlier one. Returns the list's identity when it verified.
   */
  async learn (store: HostedMailStore, bytes: Uint8Array | undefined): Promise<Uint8Array | undefined> {
    if (bytes == null || bytes.byteLength === 0) return undefined
    // nobody's list costs signature checks unless a hosted owner has its identity
    let claimed: string | undefined
    try {
      claimed = JSON.parse(toString(bytes.subarray(0, 64 * 1024))).identity
    } catch {}
    if (typeof claimed !== 'string' || !(await store.hosted()).some(o => toString(o.identity, 'base64') === claimed)) return undefined
    let list: DeviceList
    try {
      list = await decodeDeviceList(bytes)
    } catch {
      return undefined
    }
    const key = toHex(list.identity)
    const known = this.known.get(key)
    const revoked = new Set([...known?.revoked ?? [], ...list.revoked])
    this.known.delete(key)
    this.known.set(key, { list: known == null || list.sequence > known.list.sequence ? list : known.list, revoked })
    if (this.known.size > MAX_LISTS) this.known.delete(this.known.keys().next().value as string)
    return list.identity
  }

  /** Whether the newest list of `identity` names `device` (a peer id string), never revoked. */
  listed (identity: Uint8Array, device: string): boolean {
    const k = this.known.get(toHex(identity))
    return k != null && !k.revoked.has(device) && k.list.devices.some(d => d.peer === device)
  }

  /**
   * The hosting agreement `device` may use: one made with another device of the same identity,
   * when the newest list names both.
   */
  async ownerFor (store: HostedMailStore, device: string, bytes: Uint8Array | undefined): Promise<HostedOwner | undefined> {
    const identity = await this.learn(store, bytes)
    if (identity == null || !this.listed(identity, device)) return undefined
    return (await store.hosted()).find(o => equalBytes(o.identity, identity) && this.listed(identity, o.peer))
  }
}
