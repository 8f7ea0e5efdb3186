/** A full-page notice: why Ferry cannot start, or cannot start here. */
import type { ComponentChildren } from 'preact'

export function Notice ({ title, children }: { title: string, children: ComponentChildren }): preact.JSX.Element {
  return (
    <div class='card notice' role='alert'>
      <h1>{title}</h1>
      <p>{children}</p>
    </div>
  )
}
