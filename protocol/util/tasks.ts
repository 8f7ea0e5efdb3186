/**
 * Background work a running peer starts (mailbox rounds, publishing, revocations) and stop()
 * waits for, so the stores can close. Errors are the work's own to log; here they are dropped.
 */
export class Tasks {
  private readonly running = new Set<Promise<unknown>>()
  private closed = false

  /** Run `work` in the background; ignored once closed. */
  track (work: Promise<unknown>): void {
    if (this.closed) {
      work.catch(() => {})
      return
    }
    const tracked: Promise<unknown> = work.catch(() => {}).finally(() => this.running.delete(tracked))
    this.running.add(tracked)
  }

  /** Take no more work. */
  close (): void {
    this.closed = true
  }

  /** Wait for the work still running (and `also`), at most `timeoutMs`. */
  async settled (also: Array<Promise<unknown>>, timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([
      Promise.allSettled([...this.running, ...also]),
      new Promise(resolve => { timer = setTimeout(resolve, timeoutMs) })
    ])
    clearTimeout(timer)
  }
}
