import type { ReactNode } from 'react'
import { EmptyState } from '../components/Feedback'

/** A section whose admin API arrives in a later release: the navigation already has its place. */
export function UpcomingPage ({ title, lead, children }: { title: string, lead: string, children: ReactNode }) {
  return (
    <>
      <h1>{title}</h1>
      <p className='lead'>{lead}</p>
      <EmptyState title='Not available in this version yet'>{children}</EmptyState>
    </>
  )
}

export function ProvidersPage () {
  return (
    <UpcomingPage title='Providers' lead='Upstream AI providers (OpenAI, Anthropic, Gemini, …) and their credentials.'>
      <p>Managing providers from this page comes with a later release. Until then, configure providers as described in the README.</p>
    </UpcomingPage>
  )
}
