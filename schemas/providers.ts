import { Type, type Static } from '@sinclair/typebox'

const ProviderId = Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'Routing id: the "openai" in "openai/gpt-4o" (lower case, digits, "-" and "_")' })
const Kind = Type.Union([Type.Literal('openai-compatible'), Type.Literal('anthropic'), Type.Literal('gemini'), Type.Literal('bedrock'), Type.Literal('ideogram')], {
  description: 'Wire format of the upstream (bedrock: AWS Bedrock Converse, SigV4-signed; ideogram: Ideogram\'s image API, images only)'
})
/** The wire formats the gateway speaks: one folder of providers/ each. */
export type AdapterKind = Static<typeof Kind>
const BaseUrl = Type.String({ minLength: 8, maxLength: 500, pattern: '^https?://[^\\s]+$', description: 'API root, e.g. https://api.openai.com/v1 (OpenAI-compatible ones include the version path); its host must resolve to public addresses unless listed in PROVIDER_ALLOWED_HOSTS' })
const Models = Type.Array(Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\s]+$' }), { minItems: 1, maxItems: 500, description: 'Model ids offered, without the provider prefix; "*" admits any name' })
const PriceProvider = Type.Union([Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9][a-z0-9._-]*$' }), Type.Null()], {
  description: 'Which provider of the built-in price list (@pydantic/genai-prices: "deepseek", "groq", "together", …; GET /api/admin/price-list names them) prices its models when the catalog does not: "auto" (the default) matches an https base URL against the price list\'s API addresses, then a built-in provider id; null: none (its models are priced by catalog rates only)'
})
const Weight = Type.Integer({ minimum: 1, maximum: 1000, description: 'Share of the calls, relative to the other credentials of the provider' })

export const ProviderView = Type.Object({
  id: ProviderId,
  kind: Kind,
  displayName: Type.String(),
  baseUrl: Type.String(),
  enabled: Type.Boolean(),
  models: Type.Array(Type.String()),
  source: Type.Union([Type.Literal('env'), Type.Literal('store')], { description: '"env" providers come from the environment and are read-only here' }),
  readOnly: Type.Boolean(),
  credentials: Type.Integer({ description: 'Number of stored credentials (environment providers: 0, their key comes from the environment)' }),
  priceProvider: PriceProvider,
  builtinPrices: Type.Union([Type.String(), Type.Null()], { description: 'The price list provider that prices its models now (the choice, or what "auto" found); null: none' }),
  createdAt: Type.Optional(Type.String({ format: 'date-time' })),
  updatedAt: Type.Optional(Type.String({ format: 'date-time' }))
}, { $id: 'Provider' })

export const CreateProviderBody = Type.Object({
  id: ProviderId,
  kind: Kind,
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  baseUrl: BaseUrl,
  enabled: Type.Optional(Type.Boolean()),
  models: Type.Optional(Models),
  priceProvider: Type.Optional(PriceProvider)
}, { additionalProperties: false })

export const UpdateProviderBody = Type.Object({
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  baseUrl: Type.Optional(BaseUrl),
  enabled: Type.Optional(Type.Boolean()),
  models: Type.Optional(Models),
  priceProvider: Type.Optional(PriceProvider)
}, { additionalProperties: false, minProperties: 1 })

export const PriceListProvidersView = Type.Object({
  items: Type.Array(Type.String(), { description: 'The built-in price list\'s provider ids, the values priceProvider accepts besides "auto" and null' })
})

export const CredentialHealthView = Type.Object({
  state: Type.Union([Type.Literal('ok'), Type.Literal('cooling_down'), Type.Literal('disabled')]),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'cooling_down: back in rotation at this time' })),
  reason: Type.Optional(Type.String({ description: 'disabled: why (e.g. the provider answered 401)' }))
})

export const CredentialView = Type.Object({
  id: Type.String(),
  providerId: Type.String(),
  label: Type.String(),
  secretHint: Type.String({ description: 'Masked secret, e.g. "sk-…abcd"; the secret itself is never returned' }),
  weight: Weight,
  health: CredentialHealthView,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' })
}, { $id: 'ProviderCredential' })

export const CreateCredentialBody = Type.Object({
  label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  secret: Type.String({ minLength: 1, maxLength: 4096, description: 'The API key; stored encrypted, never shown again. Bedrock: JSON text {"accessKeyId","secretAccessKey","sessionToken"?,"region"?} (region defaults to the one in the base URL)' }),
  weight: Type.Optional(Weight)
}, { additionalProperties: false })

export const UpdateCredentialBody = Type.Object({
  label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  secret: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  weight: Type.Optional(Weight),
  enabled: Type.Optional(Type.Boolean({ description: 'true puts it back in rotation (clears a disable or cool-down); false disables it' }))
}, { additionalProperties: false, minProperties: 1 })

export const ConnectionTestView = Type.Object({
  ok: Type.Boolean(),
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'Upstream HTTP status; null when it could not be reached' }),
  latencyMs: Type.Integer(),
  message: Type.String(),
  credentialId: Type.Optional(Type.String({ description: 'The stored credential used (store providers)' }))
})

export const ProviderParams = Type.Object({ id: ProviderId })
export const CredentialParams = Type.Object({ id: ProviderId, credentialId: Type.String({ minLength: 1, maxLength: 64 }) })

export type ProviderViewType = Static<typeof ProviderView>
export type CredentialViewType = Static<typeof CredentialView>
export type ConnectionTestType = Static<typeof ConnectionTestView>
export type CreateProviderBodyType = Static<typeof CreateProviderBody>
export type UpdateProviderBodyType = Static<typeof UpdateProviderBody>
export type CreateCredentialBodyType = Static<typeof CreateCredentialBody>
export type UpdateCredentialBodyType = Static<typeof UpdateCredentialBody>

/** OpenAPI tag and security shared by the provider admin routes (providers and their credentials). */
export const providerDocs = { tags: ['admin: providers'], security: [{ bearerAuth: [] }] }

/**
 * The credential of a Bedrock provider (its `secret`, as JSON text): an AWS access key pair, an optional session token
 * (temporary credentials), and the signing region when the base URL does not name it (bedrock-runtime.<region>.…).
 */
export const AwsCredentialSecret = Type.Object({
  accessKeyId: Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Z0-9]+$' }),
  secretAccessKey: Type.String({ minLength: 16, maxLength: 128, pattern: '^\\S+$' }),
  sessionToken: Type.Optional(Type.String({ minLength: 1, maxLength: 3000, pattern: '^\\S+$' })),
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 30, pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$' }))
}, { additionalProperties: false })
export type AwsCredentialSecretType = Static<typeof AwsCredentialSecret>
