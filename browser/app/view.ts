/**
 * What the shell (app.tsx) and its views share: which view is showing, the props every view
 * takes, and the configuration the serving daemon hands the app. Its own module so that the views
 * and the shell that renders them do not import each other.
 */
import type { FerryTab } from './tab.js'

/** What the serving daemon says (node/web/server.ts WebConfig); empty when opened some other way. */
export interface AppConfig {
  daemons: string[]
  daemon?: { peerId: string, name: string, invite: string }
}

export type View = { name: 'list' } | { name: 'chat', contact: string } | { name: 'add', invite?: string } | { name: 'invite' } | { name: 'safety', contact: string } | { name: 'settings' } | { name: 'requests' } | { name: 'group', group: string } | { name: 'new-group' }

export interface ViewProps {
  tab: FerryTab
  config: AppConfig
  go(view: View): void
  /** show an error (or clear it with undefined) */
  fail(err: unknown): void
}
