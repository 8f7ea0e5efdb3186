/** A libp2p ComponentLogger that logs nothing. */
import type { ComponentLogger, Logger } from '@libp2p/interface'

const off = Object.assign(() => {}, { enabled: false })
const silent: Logger = Object.assign(() => {}, { enabled: false, trace: off, error: off, newScope: () => silent })
/** A logger that logs nothing: libp2p makes a logger per stream, a measurable cost with hundreds of nodes. */
export const quietLogger: ComponentLogger = { forComponent: () => silent }
