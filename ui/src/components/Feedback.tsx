import type { ReactNode } from 'react'

/** An error the user should notice now (announced by screen readers at once). */
export function ErrorMessage ({ children }: { children: ReactNode }) {
  if (children === undefined || children === null || children === '') return null
  return <p role='alert' className='error'>{children}</p>
}

/** Quiet confirmation of something that went well (announced politely). */
export function StatusMessage ({ children }: { children: ReactNode }) {
  return <p role='status' className='status'>{children}</p>
}

export function EmptyState ({ title, children }: { title: string, children?: ReactNode }) {
  return (
    <section className='empty' aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  )
}
