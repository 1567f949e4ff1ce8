export const SCOPES = ['chat', 'embeddings', 'images', 'admin'] as const
export type Scope = typeof SCOPES[number]

/** Who is calling: an access key or a service presenting a JWT. Built once per request by the auth hook. */
export interface Principal {
  kind: 'access-key' | 'jwt'
  /** Access key id, or `jwt:<sub>` for services. */
  id: string
  name: string
  scopes: ReadonlySet<string>
  allowsModel: (model: string) => boolean
}
