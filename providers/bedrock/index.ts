import { EventStreamParser } from '#upstream/event-stream.js'
import type { UpstreamRequest } from '#upstream/http.js'
import { translatingChatAdapter } from '../translating-adapter.js'
import type { ChatRequest, ConnectionProbe, ProviderAdapter, UpstreamCall } from '#upstream/types.js'
import { namedModel } from '../connection-probe.js'
import { awsCredentialHint } from './credentials.js'
import { toConverseRequest } from './request.js'
import { toChatCompletion, type ConverseResponse } from './response.js'
import { signedRequest } from './signing.js'
import { streamDecoder } from './stream.js'

/**
 * AWS Bedrock's Converse API (POST {base}/model/{modelId}/converse, and /converse-stream answering AWS's binary event
 * stream), SigV4-signed with the provider's AWS credential, translated both ways.
 */
function upstreamRequest (request: ChatRequest, call: UpstreamCall, stream: boolean): Promise<UpstreamRequest> {
  const path = `/model/${encodeURIComponent(call.model)}/${stream ? 'converse-stream' : 'converse'}`
  return signedRequest(call.provider, path, JSON.stringify(toConverseRequest(request)), stream ? 'application/vnd.amazon.eventstream' : 'application/json')
}

/**
 * Bedrock's runtime has no models list: the probe is a signed Converse without messages. AWS checks the signature and
 * the key first (403 UnrecognizedClientException, InvalidSignatureException or AccessDeniedException when refused),
 * then answers 400 ValidationException: the credential was accepted and nothing was generated.
 */
export const bedrockProbe: ConnectionProbe = {
  what: 'Converse API',
  request: async (provider) =>
    await signedRequest(provider, `/model/${encodeURIComponent(namedModel(provider, 'amazon.nova-micro-v1:0'))}/converse`, '{"messages":[]}', 'application/json'),
  accepted: (status, headers) => status === 400 && /^ValidationException\b/.test(String(headers['x-amzn-errortype'] ?? ''))
}

/** Chat through Bedrock, streamed or not (Bedrock's embeddings and images use other APIs, not served here). */
export const bedrockAdapter: ProviderAdapter = {
  kind: 'bedrock',
  chat: translatingChatAdapter<ConverseResponse>({
    upstreamRequest,
    toCompletion: (response, call) => toChatCompletion(response, call.model),
    streamDecoder,
    streamParser: () => new EventStreamParser()
  }),
  credentialHint: awsCredentialHint
}
