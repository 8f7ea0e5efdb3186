/** The peer asked for more bundles than its budget (or everyone's) allows; its stream is reset. */
export class BundleBudgetError extends Error {
  override name = 'BundleBudgetError'
}
