/**
 * Link shapes for `ferry sim`'s netns mode (netns.ts): traffic-control qdiscs on veth devices.
 *
 * The shaper is netem (`sch_netem`) where the kernel has it: `delay D J loss L% rate Rkbit` on a
 * device's egress does all four fields of a `LinkShape`. Some kernels are built without netem
 * (this project's CI machine: CONFIG_NET_SCH_NETEM is not set, only tbf, htb and clsact). There
 * the shaper falls back to what such kernels do have, and says what it could not do:
 * - rate: a token bucket, `tbf rate Rkbit burst B latency 1s`;
 * - loss: a classic-BPF filter on the clsact egress hook, in direct-action mode, that drops a
 *   packet when a kernel random number (`ld rand`, SKF_AD_RANDOM) falls below lossPct% of 2^32;
 * - delay and jitter: nothing in such a kernel can hold a packet back (fq and etf, which honour
 *   departure times, are missing too), so they are not applied and `apply()` reports it.
 * Which shaper runs is probed once per network (`detectShaper`), never assumed.
 */
import { execFile } from 'node:child_process'
import type { LinkShape } from './types.js'

/** 'netem': every field; 'tbf+bpf': rate and loss only (no sch_netem in this kernel). */
export type ShaperKind = 'netem' | 'tbf+bpf'

/** Run a command; rejects with the command and its stderr. */
export async function run (cmd: string, args: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, _out, stderr) => {
      if (err == null) resolve()
      else reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`))
    })
  })
}

/** The netem arguments of a shape: what a device sends gets delay ± jitter, loss and a rate cap. */
export function netemArgs (shape: LinkShape): string[] {
  const args: string[] = []
  const delay = shape.delayMs ?? 0
  const jitter = shape.jitterMs ?? 0
  if (delay > 0 || jitter > 0) args.push('delay', `${delay}ms`, ...(jitter > 0 ? [`${jitter}ms`] : []))
  if ((shape.lossPct ?? 0) > 0) args.push('loss', `${shape.lossPct as number}%`)
  if ((shape.rateKbit ?? 0) > 0) args.push('rate', `${shape.rateKbit as number}kbit`)
  return args
}

/** SKF_AD_OFF + SKF_AD_RANDOM: a classic-BPF load of a random u32 (linux/filter.h). */
const LOAD_RANDOM = 0xfffff000 + 56

/**
 * Classic-BPF bytecode (tc's `bytecode` syntax) returning TC_ACT_SHOT (2) for lossPct% of
 * packets and TC_ACT_OK (0) for the rest: `ld rand; jge T, pass, drop; pass: ret 0; drop: ret 2`.
 */
export function lossBytecode (lossPct: number): string {
  if (!(lossPct > 0 && lossPct <= 100)) throw new RangeError(`"lossPct" must be in (0, 100], got ${lossPct}`)
  const threshold = Math.min(2 ** 32 - 1, Math.round(lossPct / 100 * 2 ** 32))
  return `4,32 0 0 ${LOAD_RANDOM},53 0 1 ${threshold},6 0 0 0,6 0 0 2`
}

/** tbf's bucket: at least 16 KiB (a few full frames, GSO aside), else 10 ms at the rate. */
function tbfArgs (rateKbit: number): string[] {
  const burst = Math.max(16_384, Math.ceil(rateKbit * 1000 / 8 / 100))
  return ['tbf', 'rate', `${rateKbit}kbit`, 'burst', String(burst), 'latency', '1000ms']
}

/**
 * Which shaper this kernel supports, probed by putting a netem qdisc on `dev` in `ns` (and taking
 * it off again).
 *
 * @throws Error when tc fails for another reason than a missing netem
 */
export async function detectShaper (ns: string, dev: string): Promise<ShaperKind> {
  try {
    await run('tc', ['-n', ns, 'qdisc', 'add', 'dev', dev, 'root', 'netem', 'delay', '1ms'])
  } catch (err: any) {
    if (/unknown|not found|no such file/i.test(err.message)) return 'tbf+bpf'
    throw err
  }
  await run('tc', ['-n', ns, 'qdisc', 'del', 'dev', dev, 'root'])
  return 'netem'
}

/** What is on one device now. */
interface DeviceState { root?: 'netem' | 'tbf', loss?: boolean }

/** Puts shapes on devices with one shaper, remembering what each device carries. */
export class LinkShaper {
  private readonly devices = new Map<string, DeviceState>()

  constructor (readonly kind: ShaperKind) {}

  /**
   * Shape what `dev` (in `ns`) sends: 'sent' applies every field, 'received' only the rate (used
   * on the far end of a node's link, so delay and loss do not count twice).
   *
   * @returns why part of the shape was not applied, or undefined when all of it was
   */
  async apply (ns: string, dev: string, shape: LinkShape, side: 'sent' | 'received'): Promise<string | undefined> {
    const want: LinkShape = side === 'sent' ? shape : { rateKbit: shape.rateKbit }
    const state = this.devices.get(`${ns}/${dev}`) ?? {}
    this.devices.set(`${ns}/${dev}`, state)
    if (this.kind === 'netem') {
      const args = netemArgs(want)
      await this.root(ns, dev, state, args.length > 0 ? 'netem' : undefined, ['netem', ...args])
      return undefined
    }
    const rate = want.rateKbit ?? 0
    await this.root(ns, dev, state, rate > 0 ? 'tbf' : undefined, rate > 0 ? tbfArgs(rate) : [])
    await this.loss(ns, dev, state, want.lossPct ?? 0)
    const held = (want.delayMs ?? 0) > 0 || (want.jitterMs ?? 0) > 0
    return held ? 'delayMs and jitterMs not applied: this kernel has no sch_netem (loss and rate are)' : undefined
  }

  private async root (ns: string, dev: string, state: DeviceState, kind: DeviceState['root'], args: string[]): Promise<void> {
    if (kind != null) await run('tc', ['-n', ns, 'qdisc', 'replace', 'dev', dev, 'root', ...args])
    else if (state.root != null) await run('tc', ['-n', ns, 'qdisc', 'del', 'dev', dev, 'root'])
    state.root = kind
  }

  private async loss (ns: string, dev: string, state: DeviceState, lossPct: number): Promise<void> {
    if (lossPct > 0) {
      if (state.loss == null) await run('tc', ['-n', ns, 'qdisc', 'add', 'dev', dev, 'clsact'])
      state.loss = true
      await run('tc', ['-n', ns, 'filter', 'replace', 'dev', dev, 'egress', 'pref', '1', 'handle', '1', 'bpf', 'da', 'bytecode', lossBytecode(lossPct)])
    } else if (state.loss != null) {
      await run('tc', ['-n', ns, 'qdisc', 'del', 'dev', dev, 'clsact'])
      state.loss = undefined
    }
  }
}
